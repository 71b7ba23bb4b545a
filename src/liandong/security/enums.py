"""Roles and permissions."""

from enum import StrEnum


class Role(StrEnum):
    SEAT_12345 = "seat_12345"  # 12345 话务员
    SEAT_110 = "seat_110"  # 110 接警员
    UNIT_STAFF = "unit_staff"  # 承办单位工作人员
    SUPERVISOR = "supervisor"  # 班长/督办
    ADMIN = "admin"
    DATA_CONSUMER = "data_consumer"  # 开放数据使用方
    AUDITOR = "auditor"
    SYSTEM = "system"  # a peer node or integration (API tokens only)


class Perm(StrEnum):
    REQUEST_READ = "request:read"
    REQUEST_WRITE = "request:write"
    PII_UNMASK = "pii:unmask"
    WORK_ORDER_READ = "work_order:read"
    WORK_ORDER_WRITE = "work_order:write"  # the centre's actions: accept, dispatch, visit, archive...
    WORK_ORDER_HANDLE = "work_order:handle"  # the unit's actions: sign, return, complete...
    INCIDENT_READ = "incident:read"
    INCIDENT_WRITE = "incident:write"
    INCIDENT_READ_CONFIDENTIAL = "incident:read_confidential"
    REFERENCE_READ = "reference:read"
    REFERENCE_WRITE = "reference:write"
    SUPERVISE = "supervise"
    EXPORT = "export"
    AUDIT_READ = "audit:read"
    USER_ADMIN = "user:admin"
    OPEN_DATA = "open_data"
    OPEN311_SUBMIT = "open311:submit"
    EXCHANGE = "exchange"
    TRIAGE_RULES_WRITE = "triage:rules_write"
    KNOWLEDGE_WRITE = "knowledge:write"  # review, publish, retire any entry; mine FAQs
    KNOWLEDGE_DRAFT = "knowledge:draft"  # a department drafts and submits its own entries
    ANALYTICS_READ = "analytics:read"
    CALL_READ = "call:read"  # call records, transcripts, live transcript stream
    CALL_WRITE = "call:write"  # CTI events, recordings, live audio
