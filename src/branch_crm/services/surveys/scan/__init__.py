"""Reading returned survey forms from scans and phone photos (Qt-free).

``pages`` loads the pages of a file, ``layout`` says where the printed form has its marks,
QR code and tick boxes (taken from the drawing code), ``geometry`` finds the page and maps it
onto the layout, ``marks`` reads the tick boxes, ``reader`` puts one page together, and
``intake`` stores what was read through the keyed-entry service or queues it for review
(``review``). Nothing is re-exported here: import from the module that defines a thing.
"""
