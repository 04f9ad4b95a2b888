"""Customers: the profile (validation, create/edit/delete, history), the lookup (search,
its index, pinyin, phone numbers), the paged customer list, the derived classification,
pickup preferences and the courier's pickup sheet.

Nothing is re-exported here: import from the module that defines a thing."""
