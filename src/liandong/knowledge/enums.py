"""Knowledge entry, FAQ proposal and bot conversation states."""

from enum import StrEnum


class EntryStatus(StrEnum):
    DRAFT = "draft"  # 草稿: the department edits it
    SUBMITTED = "submitted"  # 待审核
    REVIEWED = "reviewed"  # 已审核, not yet served
    PUBLISHED = "published"  # 已发布: served by search, recommendation and the bot
    RETIRED = "retired"  # 已下线 (or replaced by a newer version)


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ConversationStatus(StrEnum):
    OPEN = "open"
    HANDED_OVER = "handed_over"  # a request was created for a person to handle
    EMERGENCY = "emergency"  # an emergency request was raised; the bot stops answering


class BotChannel(StrEnum):
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
