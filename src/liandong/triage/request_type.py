"""Request type (咨询 求助 投诉 举报 建议) by keyword cues: no labelled data exists for it.

Approach: each type has cue words with weights; explicit verbs ("我要投诉", "举报") outweigh indirect cues
(a question mark, "希望"). The highest total wins; ties go in the order 举报 > 投诉 > 求助 > 建议 > 咨询,
because a report or complaint obliges the handling unit to act, a consultation does not.
"""

import re

from liandong.triage.enums import RequestType

_CUES: dict[RequestType, list[tuple[str, float]]] = {
    RequestType.REPORT: [
        (r"举报|检举|揭发|实名举报", 3.0),
        (r"违法|违规|非法|偷排|私自|违建|违章|无证|黑作坊|涉嫌", 1.0),
    ],
    RequestType.COMPLAINT: [
        (r"投诉|不满|控告", 3.0),
        (
            r"扰民|噪音|乱收费|不作为|推诿|态度恶劣|拖欠|欠薪|不退|不给|拒绝|太差|很差|严重影响|受不了|无人管|没人管|至今未",
            1.0,
        ),
    ],
    RequestType.HELP: [
        (r"求助|求救|救命|帮帮|请帮|帮忙|帮助|急需|救救", 3.0),
        (r"困难|无助|走投无路|没办法|怎么办才好|报警", 1.0),
    ],
    RequestType.SUGGESTION: [
        (r"建议|提议|倡议|呼吁|意见建议", 3.0),
        (r"希望|应该|能否增设|增加|增设|加快|尽快|完善", 0.7),
    ],
    RequestType.CONSULT: [
        (r"咨询|请问|询问|想问|想了解|问一下", 3.0),
        (r"[?？]|吗|如何|怎么办理|怎样|什么时候|多久|哪里|是否|能否|可以吗|需要什么", 0.8),
    ],
}
_COMPILED = {k: [(re.compile(p), w) for p, w in v] for k, v in _CUES.items()}
_ORDER = [
    RequestType.REPORT,
    RequestType.COMPLAINT,
    RequestType.HELP,
    RequestType.SUGGESTION,
    RequestType.CONSULT,
]


def classify_request_type(text: str) -> tuple[RequestType, list[str]]:
    """Return the request type and the cue words that decided it (咨询 when nothing matches)."""
    best, best_score = RequestType.CONSULT, 0.0
    best_words: list[str] = []
    for kind in _ORDER:
        score = 0.0
        words: list[str] = []
        for pattern, weight in _COMPILED[kind]:
            found = pattern.findall(text)
            if found:
                # Repeats count a little: "投诉...投诉" is firmer than once, but not twice as firm.
                score += weight * (1 + 0.2 * min(len(found) - 1, 3))
                words.extend(dict.fromkeys(found))
        if score > best_score:
            best, best_score, best_words = kind, score, words
    return best, best_words[:5]
