"""督办: deadlines, reminders, overdue escalation, supervision orders and tracking of linked items."""
