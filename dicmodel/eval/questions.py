"""Expert objective questions (multiple choice) and open questions about figures.

Items load from JSONL or CSV. Column names are matched loosely, so MM-TelcoBench's CSVs load
as they are: question (``question``/``Question``/``Query``), options (a JSON list, or columns
``Option 1..N`` / ``A..H`` / ``option_a..``), answer (a letter, an option number, ``Option 2``,
or the option's text), category, image (``image``/``Image Path``/``Image File``; relative
paths resolve against ``image_root``). An item without options is an open question whose
answer is a reference text.

A backend is any callable ``ask(image_path, prompt) -> str``. :func:`describer_ask` adapts
the ``hf`` and ``openai`` describers (imported only when asked for). An object with a
``batch(list_of_(image, prompt)) -> list[str]`` method is called in batches.

Choice extraction (:func:`extract_choice`) reads, in order: an explicit marker ("Answer: B",
"the answer is (b).", "答案：B", "选C"), the last one winning so a conclusion beats a
restated question; a bare letter ("B", "(B)", "**B**."); a leading letter ("B) ...",
"C. ..."); the option's own text (contained in the answer, or a rapidfuzz match clearly
better than the runner-up); a single standalone capital letter. The rule that fired is kept
with the raw answer, so a reader can audit the scoring.
"""

from __future__ import annotations

import csv
import json
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from .._extras import require
from ..errors import ConfigError, InputError

__all__ = [
    "CategoryScore",
    "Choice",
    "QuestionItem",
    "QuestionOptions",
    "QuestionResult",
    "QuestionsReport",
    "choice_prompt",
    "describer_ask",
    "evaluate_questions",
    "extract_choice",
    "iter_items",
    "load_items",
    "open_prompt",
]

Ask = Callable[[str | None, str], str]
LETTERS = string.ascii_uppercase[:8]


class QuestionItem(BaseModel):
    id: str
    question: str
    options: list[str] = Field(default_factory=list, description="empty for an open question")
    answer: str = Field(description="the correct letter (choice) or the reference text (open)")
    category: str = "all"
    image: str | None = None

    @property
    def kind(self) -> Literal["choice", "open"]:
        return "choice" if self.options else "open"


class Choice(BaseModel):
    letter: str | None
    method: str = Field(description="the extraction rule that fired, or 'none'")


class QuestionResult(BaseModel):
    id: str
    kind: Literal["choice", "open"]
    category: str
    question: str
    answer: str
    raw: str | None = Field(None, description="the backend's answer, verbatim")
    predicted: str | None = None
    method: str | None = None
    correct: bool = False
    fuzzy: float | None = Field(None, description="open questions: rapidfuzz score 0-100")
    bleu: float | None = None
    rouge_l: float | None = None
    error: str | None = None


class CategoryScore(BaseModel):
    n: int = 0
    correct: int = 0
    unanswered: int = Field(0, description="no option could be read from the answer")

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


class QuestionsReport(BaseModel):
    n: int = 0
    n_choice: int = 0
    n_open: int = 0
    accuracy: float | None = Field(None, description="choice questions answered correctly")
    per_category: dict[str, dict[str, float | int]] = Field(default_factory=dict)
    unanswered: int = 0
    errors: int = 0
    open_bleu: float | None = None
    open_rouge_l: float | None = None
    open_match: float | None = Field(None, description="open answers whose fuzzy score passes")
    results: list[QuestionResult] = Field(default_factory=list)


class QuestionOptions(BaseModel):
    batch_size: int = Field(8, ge=1, description="questions per backend call when it batches")
    fuzzy_threshold: float = Field(80.0, ge=0, le=100,
                                   description="open question: lowest rapidfuzz score that counts")
    option_threshold: float = Field(75.0, ge=0, le=100,
                                    description="lowest fuzzy score for matching an option's text")
    limit: int | None = Field(None, ge=1, description="evaluate only the first N items")


# ---- loading -------------------------------------------------------------------------------

_Q_KEYS = ("question", "query", "prompt", "问题")
_A_KEYS = ("answer", "label", "correct", "correct_answer", "gold", "答案")
_C_KEYS = ("category", "type", "task", "subject", "类别")
_I_KEYS = ("image", "image_path", "image path", "image file", "img", "figure")
_ID_KEYS = ("id", "qid", "question_id", "uid")


def _pick(row: dict[str, Any], keys: Sequence[str]) -> Any:
    low = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for k in keys:
        v = low.get(k)
        if v not in (None, ""):
            return v
    return None


def _row_options(row: dict[str, Any]) -> list[str]:
    low = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    opts = low.get("options") or low.get("choices")
    if isinstance(opts, dict):
        return [str(opts[k]) for k in sorted(opts)]
    if isinstance(opts, list):
        return [str(o) for o in opts]
    if isinstance(opts, str) and opts.strip().startswith("["):
        return [str(o) for o in json.loads(opts)]
    found = []
    for i, letter in enumerate(LETTERS, 1):
        v = None
        for key in (f"option {i}", f"option{i}", f"option_{i}", f"option {letter.lower()}",
                    f"option_{letter.lower()}", letter.lower()):
            if low.get(key) not in (None, ""):
                v = low[key]
                break
        if v is None:
            break
        found.append(str(v).strip())
    return found


def _gold_letter(answer: Any, options: list[str]) -> str | None:
    """The correct letter from 'B', 'b)', '2', 'Option 2' or the option's exact text."""
    a = str(answer).strip()
    m = re.fullmatch(r"(?:option\s*)?\(?([A-Ha-h])\)?[.)]?", a, re.IGNORECASE)
    if m and ord(m.group(1).upper()) - 65 < len(options):
        return m.group(1).upper()
    m = re.fullmatch(r"(?:option\s*)?(\d)", a, re.IGNORECASE)
    if m and 1 <= int(m.group(1)) <= len(options):
        return LETTERS[int(m.group(1)) - 1]
    norm = [_norm(o) for o in options]
    if _norm(a) in norm:
        return LETTERS[norm.index(_norm(a))]
    return None


def _item_from_row(row: dict[str, Any], index: int, image_root: Path | None) -> QuestionItem:
    question = _pick(row, _Q_KEYS)
    answer = _pick(row, _A_KEYS)
    if question is None or answer is None:
        raise InputError(f"item {index}: needs a question and an answer column, got columns "
                         f"{sorted(str(k) for k in row)}")
    options = _row_options(row)
    if options:
        letter = _gold_letter(answer, options)
        if letter is None:
            raise InputError(f"item {index}: answer {str(answer)[:60]!r} is neither a letter A-"
                             f"{LETTERS[len(options) - 1]}, an option number nor an option's text")
        answer = letter
    image = _pick(row, _I_KEYS)
    if image is not None and image_root is not None:
        image = str(image_root / str(image).lstrip("/\\"))
    return QuestionItem(id=str(_pick(row, _ID_KEYS) or index), question=str(question).strip(),
                        options=options, answer=str(answer).strip(),
                        category=str(_pick(row, _C_KEYS) or "all").strip(),
                        image=str(image) if image is not None else None)


def iter_items(path: str | Path, image_root: str | Path | None = None,
               errors: list[str] | None = None) -> Iterator[QuestionItem]:
    """Items from a .jsonl/.json or .csv/.tsv file; bad rows go to ``errors`` (if given) or raise."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"items file {str(p)!r} does not exist")
    root = Path(image_root) if image_root is not None else None
    for index, row in enumerate(_rows(p)):
        try:
            yield _item_from_row(row, index, root)
        except InputError as err:
            if errors is None:
                raise
            errors.append(str(err))


def load_items(path: str | Path, image_root: str | Path | None = None,
               errors: list[str] | None = None) -> list[QuestionItem]:
    return list(iter_items(path, image_root, errors))


def _rows(p: Path) -> Iterable[dict[str, Any]]:
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with p.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as err:
                        raise InputError(f"{p.name} line {n}: not JSON ({err.msg})") from err
    elif suffix == ".json":
        data = json.loads(p.read_text(encoding="utf-8"))
        yield from (data if isinstance(data, list) else data.get("items", []))
    elif suffix in (".csv", ".tsv"):
        with p.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ",")
    else:
        raise InputError(f"items file must be .jsonl, .json, .csv or .tsv, got {p.name!r}")


# ---- prompts -------------------------------------------------------------------------------

def choice_prompt(item: QuestionItem) -> str:
    lines = [item.question.strip(), ""]
    lines += [f"{LETTERS[i]}. {o}" for i, o in enumerate(item.options)]
    lines += ["", "Answer with the letter of the correct option only."]
    return "\n".join(lines)


def open_prompt(item: QuestionItem) -> str:
    return f"{item.question.strip()}\nAnswer briefly, from what the figure shows."


# ---- choice extraction ---------------------------------------------------------------------

def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


_MARKER = re.compile(
    r"(?:answer|ans|option|choice|答案|选项|选择|应选|选)\s*(?:is|would be|should be|=|:|是|为|应为|\s)*"
    r"\s*[\(\[\*【「]*\s*(?:option\s*)?([A-Ha-h]|\d)(?![A-Za-z0-9])", re.IGNORECASE)
_BARE = re.compile(r"^[\W_]*(?:option\s*)?([A-Ha-h])[\W_]*$", re.IGNORECASE)
_LEADING = re.compile(r"^[\s\*\(\[]*([A-H])\s*[\)\].:：、]")
_STANDALONE = re.compile(r"(?<![A-Za-z0-9'’])([A-H])(?![A-Za-z0-9'’])")


def extract_choice(answer: str | None, options: Sequence[str], threshold: float = 75.0) -> Choice:
    """The option letter an answer chooses (see the module docstring for the rules)."""
    if not answer or not answer.strip():
        return Choice(letter=None, method="none")
    text = unicodedata.normalize("NFKC", answer).strip()
    valid = LETTERS[:max(len(options), 1)] if options else LETTERS
    for rule in (_by_marker, _by_bare, _by_leading, _by_text, _by_standalone):
        letter, name = rule(text, options, valid, threshold)
        if letter is not None:
            return Choice(letter=letter, method=name)
    return Choice(letter=None, method="none")


def _letter(token: str, valid: str, n_options: int) -> str | None:
    if token.isdigit():
        k = int(token)
        return LETTERS[k - 1] if 1 <= k <= max(n_options, 0) else None
    up = token.upper()
    return up if up in valid else None


def _by_marker(text: str, options: Sequence[str], valid: str, _t: float) -> tuple[str | None, str]:
    found = None
    for m in _MARKER.finditer(text):
        tok = m.group(1)
        # a lower-case letter must stand alone ("answer is b."), not start a word ("is a bit")
        if tok.islower() and re.match(r"\s+[A-Za-z]", text[m.end():]):
            continue
        letter = _letter(tok, valid, len(options))
        if letter is not None:
            found = letter
    return found, "marker"


def _by_bare(text: str, options: Sequence[str], valid: str, _t: float) -> tuple[str | None, str]:
    m = _BARE.match(text)
    return (_letter(m.group(1), valid, len(options)) if m else None), "bare"


def _by_leading(text: str, options: Sequence[str], valid: str, _t: float) -> tuple[str | None, str]:
    m = _LEADING.match(text)
    return (_letter(m.group(1), valid, len(options)) if m else None), "leading"


def _by_text(text: str, options: Sequence[str], valid: str, threshold: float) -> tuple[str | None, str]:
    if not options:
        return None, "text"
    ans = _norm(text)
    norms = [_norm(o) for o in options]
    # an option quoted in full; the longest wins when one option contains another
    inside = [i for i, o in enumerate(norms) if o and re.search(rf"(?<!\w){re.escape(o)}(?!\w)", ans)]
    if inside:
        best = max(inside, key=lambda i: len(norms[i]))
        if sum(1 for i in inside if len(norms[i]) == len(norms[best])) == 1:
            return LETTERS[best], "text"
    fuzz = require("rapidfuzz.fuzz", "matching an answer to an option's text")
    scores = sorted(((fuzz.token_set_ratio(ans, o), i) for i, o in enumerate(norms)), reverse=True)
    top, i = scores[0]
    runner = scores[1][0] if len(scores) > 1 else 0.0
    if top >= threshold and top - runner >= 5:
        return LETTERS[i], "fuzzy"
    return None, "fuzzy"


def _by_standalone(text: str, options: Sequence[str], valid: str, _t: float) -> tuple[str | None, str]:
    letters = set()
    for m in _STANDALONE.finditer(text):
        # "A" before a lower-case word is the English article
        if m.group(1) == "A" and re.match(r"\s+[a-z]", text[m.end():]):
            continue
        if m.group(1) in valid:
            letters.add(m.group(1))
    return (letters.pop() if len(letters) == 1 else None), "standalone"


# ---- evaluation ----------------------------------------------------------------------------

def evaluate_questions(items: Sequence[QuestionItem], ask: Ask | Any,
                       options: QuestionOptions | None = None) -> QuestionsReport:
    """Ask every item, score it, and keep the raw answers. A failing ask is recorded, not raised."""
    opts = options or QuestionOptions()
    todo = list(items)[:opts.limit] if opts.limit else list(items)
    prompts = [choice_prompt(it) if it.kind == "choice" else open_prompt(it) for it in todo]
    raws = _ask_all(ask, [(it.image, p) for it, p in zip(todo, prompts)], opts.batch_size)
    results = [_score(it, raw, err, opts) for it, (raw, err) in zip(todo, raws)]
    return _report(results, opts)


def _ask_all(ask: Any, pairs: list[tuple[str | None, str]], batch_size: int) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    batch = getattr(ask, "batch", None)
    if callable(batch):
        for k in range(0, len(pairs), batch_size):
            chunk = pairs[k:k + batch_size]
            try:
                out += [(a, None) for a in batch(chunk)]
            except Exception as err:  # noqa: BLE001 - degrade to one at a time, so one bad item costs one item
                out += [_ask_one(ask, image, prompt, first=err) for image, prompt in chunk]
        return out
    return [_ask_one(ask, image, prompt) for image, prompt in pairs]


def _ask_one(ask: Any, image: str | None, prompt: str,
             first: Exception | None = None) -> tuple[str | None, str | None]:
    try:
        return str(ask(image, prompt)), None
    except Exception as err:  # noqa: BLE001 - a backend failure is recorded on its item
        return None, f"{type(err).__name__}: {err}"


def _score(item: QuestionItem, raw: str | None, error: str | None, opts: QuestionOptions) -> QuestionResult:
    r = QuestionResult(id=item.id, kind=item.kind, category=item.category, question=item.question,
                       answer=item.answer, raw=raw, error=error)
    if raw is None:
        return r
    if item.kind == "choice":
        choice = extract_choice(raw, item.options, opts.option_threshold)
        r.predicted, r.method = choice.letter, choice.method
        r.correct = choice.letter == item.answer
        return r
    from .captions import rouge_l, sentence_bleu

    fuzz = require("rapidfuzz.fuzz", "scoring open answers")
    r.predicted = raw.strip()
    r.fuzzy = float(fuzz.token_set_ratio(_norm(raw), _norm(item.answer)))
    r.bleu = sentence_bleu(raw, item.answer)
    r.rouge_l = rouge_l(raw, item.answer)
    r.correct = r.fuzzy >= opts.fuzzy_threshold
    return r


def _report(results: list[QuestionResult], opts: QuestionOptions) -> QuestionsReport:
    choice = [r for r in results if r.kind == "choice"]
    opened = [r for r in results if r.kind == "open"]
    cats: dict[str, CategoryScore] = {}
    for r in choice:
        c = cats.setdefault(r.category, CategoryScore())
        c.n += 1
        c.correct += r.correct
        c.unanswered += r.raw is not None and r.predicted is None
    rep = QuestionsReport(
        n=len(results), n_choice=len(choice), n_open=len(opened), results=results,
        accuracy=sum(r.correct for r in choice) / len(choice) if choice else None,
        unanswered=sum(c.unanswered for c in cats.values()),
        errors=sum(r.error is not None for r in results),
        per_category={k: {"n": v.n, "correct": v.correct, "unanswered": v.unanswered,
                          "accuracy": v.accuracy} for k, v in sorted(cats.items())})
    answered = [r for r in opened if r.raw is not None]
    if opened:
        rep.open_match = sum(r.correct for r in opened) / len(opened)
    if answered:
        from .captions import CaptionOptions, score_captions

        caps = score_captions([r.raw or "" for r in answered], [r.answer for r in answered],
                              CaptionOptions(bootstrap=0))
        rep.open_bleu, rep.open_rouge_l = caps.bleu, caps.rouge_l
    return rep


# ---- describer adapters --------------------------------------------------------------------

class describer_ask:
    """``ask(image_path, prompt) -> str`` backed by the ``hf`` or ``openai`` describer.

    The describer module is imported on construction, not before. Batches go through the
    describer's generation step, so its concurrency/batching applies.
    """

    def __init__(self, name: str, **options: Any):
        if name not in ("hf", "openai"):
            raise ConfigError(f"describer must be 'hf' or 'openai' for questions, got {name!r}")
        from ..describe.base import get_describer

        self.name = name
        self.describer = get_describer(name, **options)

    def __call__(self, image: str | None, prompt: str) -> str:
        return self.batch([(image, prompt)])[0]

    def batch(self, pairs: Sequence[tuple[str | None, str]]) -> list[str]:
        convs = [_conversation(image, prompt) for image, prompt in pairs]
        gens = self._generate(convs)
        out = []
        for g in gens:
            if getattr(g, "error", None):
                raise RuntimeError(g.error)
            out.append(getattr(g, "text", None) or "")
        return out

    def _generate(self, convs: list[list[dict[str, Any]]]) -> list[Any]:
        gen = getattr(self.describer, "generate", None) or getattr(self.describer, "_generate", None)
        if gen is None:
            raise ConfigError(f"describer {self.name!r} exposes no generation step")
        return gen(convs)


def _conversation(image: str | None, prompt: str) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    if image:
        p = Path(image)
        if not p.is_file():
            raise InputError(f"image {image!r} does not exist")
        content.append({"type": "image", "image": p.read_bytes()})
    content.append({"type": "text", "text": prompt})
    return [{"role": "user", "content": content}]
