"""Column headers people write in customer spreadsheets, Chinese and English, and the field
each one means. Matching ignores case, spaces, full-width forms and decorations such as
``*`` or a trailing colon."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

CUSTOMER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "客户名称", "客户姓名", "客户名", "联系人", "名称", "name", "customer",
             "customername", "contact", "contactname", "fullname"),
    "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "移动电话",
              "phone", "mobile", "tel", "telephone", "phonenumber", "mobilephone", "cellphone"),
    "phone2": ("备用电话", "其他电话", "电话2", "手机2", "座机", "固定电话", "phone2", "otherphone",
               "landline"),
    "company": ("公司", "单位", "公司名称", "单位名称", "工作单位", "企业", "company",
                "companyname", "organisation", "organization", "employer"),
    "address": ("地址", "联系地址", "详细地址", "收件地址", "寄件地址", "住址", "address"),
    "birthday": ("生日", "出生日期", "出生年月日", "birthday", "dateofbirth", "birthdate", "dob"),
    "first_shipment_date": ("首次寄件", "首次寄件日期", "首次寄件时间", "首寄日期", "合作开始日期",
                            "firstshipment", "firstshipmentdate", "customersince"),
    "account_manager": ("客户经理", "负责人", "专属客户经理", "accountmanager", "manager"),
    "visit_class": ("拜访等级", "拜访级别", "拜访类别", "客户等级", "visitclass", "class"),
    "notes": ("需求", "备注", "说明", "需求备注", "特殊需求", "notes", "note", "remarks",
              "remark", "comments", "needs"),
    "customer_type": ("客户类型", "类型", "customertype", "type"),
}  # fmt: skip
"""Field -> header variants (compared after :func:`header_key`)."""

VOLUME_HEADERS: dict[str, tuple[str, ...]] = {
    "phone": CUSTOMER_HEADERS["phone"],
    "month": ("月份", "月", "年月", "统计月份", "month", "yearmonth", "period"),
    "parcels": ("件数", "票数", "寄件量", "月寄件量", "单量", "包裹数", "件量", "parcels",
                "parcelcount", "volume", "shipments", "pieces"),
    "revenue": ("金额", "营业额", "收入", "运费", "费用", "revenue", "amount", "fee", "charges"),
}  # fmt: skip

_DECORATION = re.compile(r"[\s*:：()（）\[\]【】_\-/.·、]+")


def header_key(text: object) -> str:
    """The comparable form of a header: NFKC (full-width to half-width), lower case, no
    spaces or decorations."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _DECORATION.sub("", folded)


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(variant): field for field, variants in table.items() for variant in variants}


_INDEXES = {"customers": _index(CUSTOMER_HEADERS), "volumes": _index(VOLUME_HEADERS)}


def fields_of(kind: str) -> tuple[str, ...]:
    """The fields a sheet of ``kind`` ("customers" or "volumes") can fill."""
    return tuple(CUSTOMER_HEADERS if kind == "customers" else VOLUME_HEADERS)


def recognise(header: object, kind: str = "customers") -> str | None:
    """The field ``header`` means, or None when it is not a known header."""
    key = header_key(header)
    return _INDEXES[kind].get(key) if key else None


def recognise_row(headers: Sequence[object], kind: str = "customers") -> list[str | None]:
    """The field of every header of a row; a field is given to its first column only."""
    seen: set[str] = set()
    result: list[str | None] = []
    for header in headers:
        field = recognise(header, kind)
        if field is not None and field in seen:
            field = None
        if field is not None:
            seen.add(field)
        result.append(field)
    return result


def header_score(cells: Iterable[object], kind: str = "customers") -> int:
    """How many cells of a row are known headers (the header row scores highest)."""
    return len({f for f in (recognise(c, kind) for c in cells) if f is not None})


def signature(headers: Sequence[object]) -> str:
    """A stable key of a header row (for remembering the user's mapping of its columns)."""
    return "|".join(header_key(h) for h in headers)
