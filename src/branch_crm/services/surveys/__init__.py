"""Satisfaction surveys: the head-office template, printed forms and their serials, keying in
answers (and the follow-ups they cause), scores (CSAT/NPS/CES), surveys on the timeline.

Nothing is re-exported here: import from the module that defines a thing."""
