"""Notifications (消息提醒): what tells a user something new arrived."""
