"""Transition tables: knowledge entries (draft -> submitted -> reviewed -> published -> retired), FAQ proposals."""

from liandong.core.lifecycle import Lifecycle, table
from liandong.knowledge.enums import EntryStatus as S
from liandong.knowledge.enums import ProposalStatus as P

ENTRY_LIFECYCLE = Lifecycle(
    entity="knowledge_entry",
    initial=S.DRAFT,
    terminal=frozenset({S.RETIRED}),
    transitions=table(
        [
            ([S.DRAFT], "edit", Lifecycle.SAME),
            ([S.DRAFT], "submit", S.SUBMITTED),  # the department submits
            ([S.SUBMITTED], "review", S.REVIEWED),  # a supervisor checks it
            ([S.SUBMITTED, S.REVIEWED], "reject", S.DRAFT),  # back to the department with a reason
            ([S.REVIEWED], "publish", S.PUBLISHED),
            # Editing a published entry drafts a new version; this one stays served until that is published.
            ([S.PUBLISHED], "revise", Lifecycle.SAME),
            ([S.PUBLISHED], "retire", S.RETIRED),
            ([S.PUBLISHED], "supersede", S.RETIRED),  # its newer version was published
        ]
    ),
)

# What a department (unit staff) may do to its own entries; everything else needs Perm.KNOWLEDGE_WRITE.
DEPARTMENT_ACTIONS = frozenset({"edit", "submit", "revise"})

PROPOSAL_LIFECYCLE = Lifecycle(
    entity="faq_proposal",
    initial=P.OPEN,
    terminal=frozenset({P.ACCEPTED, P.REJECTED}),
    transitions=table([([P.OPEN], "accept", P.ACCEPTED), ([P.OPEN], "reject", P.REJECTED)]),
)
