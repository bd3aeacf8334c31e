"""Records identification form: a sheet of labelled lines ("RECORD NUMBER :", "AGENCY :")."""

from collections.abc import Sequence

from pipeline.structure import header as rules
from pipeline.structure.profiles import MEMO_LABELS, Profile, labels
from pipeline.structure.tree import Kind

FORM_LINES = 4  # labelled lines unknown to memoranda at the head of a document: a form


MEMO = labels(*MEMO_LABELS)  # labels a memorandum has are no sign of a form


def _recognise(texts: Sequence[str]) -> bool:
    return sum(1 for t in texts if rules.form_label(t) and not MEMO.match(t)) >= FORM_LINES


PROFILE = Profile(
    kind=Kind("form", "Record Identification Form", "form"),
    recognise=_recognise,
    rules=(
        rules.separator,
        rules.running_text_first,
        rules.side_label,
        rules.labelled_field,
        rules.form_line,
        rules.damaged_label,
        rules.participant,
        rules.speck,
    ),
)
