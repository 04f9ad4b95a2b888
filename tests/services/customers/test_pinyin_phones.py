"""Pinyin of names (surname readings, compound surnames, Latin names) and phone display."""

from __future__ import annotations

import pytest

from branch_crm.services.customers.phone_numbers import clean_digits, format_phone, normalize_phone
from branch_crm.services.customers.pinyin import name_pinyin


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", ("zhangsan", "zs")),
        ("曾小明", ("zengxiaoming", "zxm")),  # 曾 as a surname is zeng, not ceng
        ("单田芳", ("shantianfang", "stf")),  # 单 shan, not dan
        ("解放", ("xiefang", "xf")),  # 解 xie, not jie
        ("欧阳娜娜", ("ouyangnana", "oynn")),  # compound surname
        ("尉迟恭", ("yuchigong", "ycg")),
        ("吕布", ("lvbu", "lb")),  # ü typed as v, as on Chinese keyboards
        ("Li Ming", ("liming", "lm")),
        ("", ("", "")),
    ],
)
def test_name_pinyin(name: str, expected: tuple[str, str]) -> None:
    assert name_pinyin(name) == expected


@pytest.mark.parametrize(
    ("digits", "shown"),
    [
        ("13812345678", "138 1234 5678"),
        ("02155551234", "021-5555 1234"),  # 3-digit area code, 8-digit number
        ("07558888888", "0755-888 8888"),  # 4-digit area code, 7-digit number
        ("057188812345", "0571-8881 2345"),
        ("5555", "5555"),  # not a stored number: shown as it is
        ("n/a", "n/a"),
    ],
)
def test_format_phone(digits: str, shown: str) -> None:
    assert format_phone(digits) == shown


def test_full_width_input_and_country_code() -> None:
    assert clean_digits("＋８６ １３８ 1234 5678") == "13812345678"
    assert normalize_phone("0086 21 5555 1234") == ("02155551234", "landline")
    assert normalize_phone("８６１３８１２３４５６７８") == ("13812345678", "mobile")


@pytest.mark.parametrize("typed", ["021-5555 1234 ext 8", "021-55551234#12", "138 1234 5678 x9"])
def test_extensions_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="xtension"):
        normalize_phone(typed)


def test_every_formatted_number_normalises_back() -> None:
    for digits in ("13812345678", "02155551234", "07558888888", "01088886666"):
        assert normalize_phone(format_phone(digits))[0] == digits


def test_short_names_read_per_character_as_pypinyin_reads_them() -> None:
    """The per-character path for short given names gives pypinyin's own reading, phrases
    included (a name holding a dictionary phrase still goes through pypinyin)."""
    import random

    from pypinyin import Style, lazy_pinyin

    from branch_crm.services.customers.pinyin import _lazy_syllables, _syllables

    chars = []
    for first in range(0xB0, 0xD8):
        for second in range(0xA1, 0xFF):
            try:
                chars.append(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    rng = random.Random(7)
    texts = [
        "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 3, 4)))) for _ in range(20_000)
    ]
    texts += ["重庆", "长城", "银行", "音乐", "单于", "欣然", "长"]  # phrases and polyphones
    for text in texts:
        assert _syllables(text) == _lazy_syllables(text), text
    assert _syllables("重庆") == ("chong", "qing")  # a phrase: not 重 zhong + 庆
    assert lazy_pinyin("重庆", style=Style.NORMAL) == ["chong", "qing"]
