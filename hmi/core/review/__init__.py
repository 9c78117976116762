"""After the shift: a review of journal files opened read-only (source), the shift timeline, the alarm
picture at any instant and the shift report's content. Qt-free; the workspace is hmi.ui.review_window."""
