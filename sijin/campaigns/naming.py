"""How targets are worded where people read them: the generated name of an unnamed target (未具名企业 3) and
the phrase a briefing uses for it (一家企业, 某村), never “?” or “None”."""

from .models import Target, TargetKind

# The noun a kind's name stands for in running text, and the measure word that counts it.
NOUNS = {"乡村": "村", "村庄": "村"}
MEASURE_WORDS = {"企业": "家", "公司": "家", "工厂": "家", "项目": "个", "村": "个", "社区": "个"}
UNDECIDED_NOUN = "帮扶对象"


def kind_noun(kind: TargetKind) -> str:
    """企业 → 企业, 乡村 → 村; the 待定 kind (or a kind without a name) → 帮扶对象."""
    if kind.undecided or not kind.name.strip():
        return UNDECIDED_NOUN
    name = kind.name.strip()
    return NOUNS.get(name, name)


def measure_word(noun: str) -> str:
    """家 for an enterprise, 个 for a project, a village or anything else."""
    for suffix, word in MEASURE_WORDS.items():
        if noun.endswith(suffix):
            return word
    return "个"


def unnamed_name(kind: TargetKind, seq: int) -> str:
    """The stored name of the ``seq``-th unnamed target of a kind in a group: 未具名企业 3, 未具名村 1."""
    return f"未具名{kind_noun(kind)} {seq}"


def count_phrase(kind: TargetKind | None, n: int) -> str:
    """12家企业, 3个村, 5个帮扶对象."""
    noun = kind_noun(kind) if kind is not None else UNDECIDED_NOUN
    return f"{n}{measure_word(noun)}{noun}"


def target_phrase(target: Target) -> str:
    """The target as running text names it: its name; an unnamed one as 一家企业 / 某村 / 某社区 / 一个项目."""
    if not target.unnamed and target.name.strip():
        return target.name.strip()
    noun = kind_noun(target.kind)
    word = measure_word(noun)
    if word == "家" or noun in (UNDECIDED_NOUN, "项目"):
        return f"一{word}{noun}"
    return f"某{noun}"
