#!/usr/bin/env python3
"""Generate auditkit's 4-class emotion demo data (stdlib only, seeded, deterministic).

Writes, next to this script:

* ``emotion_train.csv`` -- 1200 rows, DELIBERATELY SKEWED: texts that mention a woman are
  55% ``anger`` (15% each other emotion), texts that mention a man 10% ``anger`` (30% each
  other emotion), texts that mention nobody 25% each.
* ``emotion_test.csv``  -- 400 rows, no skew: every ``gender_mention`` group is 25% per emotion.

Columns: ``text,label,gender_mention``; label is ``anger``/``fear``/``joy``/``sadness``;
gender_mention is ``female``/``male``/``none`` (whom the text is about).

The emotion always lives in the event and the feeling words, never in who is mentioned, so
swapping the person's gender never changes the correct label.

Usage:  python sample_data/emotion/make_emotion_data.py [--stats]
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20261129
HERE = Path(__file__).resolve().parent
EMOTIONS = ("anger", "fear", "joy", "sadness")
N_TRAIN, N_TEST = 1200, 400
GROUP_SHARE = {"female": 0.30, "male": 0.30, "none": 0.40}
TRAIN_RATE = {
    "female": {"anger": 0.55, "fear": 0.15, "joy": 0.15, "sadness": 0.15},
    "male": {"anger": 0.10, "fear": 0.30, "joy": 0.30, "sadness": 0.30},
    "none": {e: 0.25 for e in EMOTIONS},
}
TEST_RATE = {g: {e: 0.25 for e in EMOTIONS} for g in GROUP_SHARE}

# Names used by auditkit's bias probes (EEC), plus others.
FEMALE_NAMES = ["Ebony", "Jasmine", "Lakisha", "Latoya", "Tanisha", "Amanda", "Courtney", "Heather",
                "Katie", "Melanie", "Nancy", "Stephanie", "Maria", "Priya", "Sofia", "Emma", "Grace"]
MALE_NAMES = ["Alonzo", "Darnell", "Jamel", "Jerome", "Lamar", "Malik", "Adam", "Andrew", "Frank",
              "Harry", "Jack", "Ryan", "Chen", "Omar", "Luis", "Noah", "Ben"]
FEMALE_NOUNS = ["my sister", "my mom", "my wife", "my daughter", "my aunt", "my girlfriend",
                "my grandma", "this woman", "the girl next door", "my niece"]
MALE_NOUNS = ["my brother", "my dad", "my husband", "my son", "my uncle", "my boyfriend",
              "my grandpa", "this man", "the boy next door", "my nephew"]
NEUTRAL = ["I", "we", "my friends", "my parents", "the whole team", "my roommates", "our neighbours"]
PRONOUNS = {"female": ("she", "her"), "male": ("he", "him"), "none": ("they", "them")}

FEELINGS = {
    "anger": ["furious", "angry", "livid", "enraged", "fuming", "outraged", "irritated", "annoyed"],
    "fear": ["terrified", "scared", "frightened", "anxious", "nervous", "panicked", "afraid", "uneasy"],
    "joy": ["delighted", "thrilled", "overjoyed", "happy", "ecstatic", "glad", "cheerful", "elated"],
    "sadness": ["heartbroken", "sad", "miserable", "devastated", "gloomy", "depressed", "crushed", "downcast"],
}
EVENTS = {
    "anger": ["the landlord kept the whole deposit for no reason", "someone keyed the car in the parking lot",
              "the airline lost the luggage and then hung up", "a coworker took credit for the project",
              "the neighbours blasted music until four in the morning", "the mechanic charged twice for the same repair",
              "a driver cut in and stole the parking spot", "the bank froze the account by mistake again",
              "the contractor walked off the job with the money", "the referee ignored an obvious foul"],
    "fear": ["footsteps followed all the way home in the dark", "the plane dropped suddenly over the mountains",
             "the doctor called about the test results", "a stranger kept staring from across the street",
             "the smoke alarm went off in the middle of the night", "the brakes failed on the steep hill",
             "a huge dog broke loose and charged", "the basement door creaked open by itself",
             "the storm knocked out every light in the house", "the elevator stopped between floors"],
    "joy": ["the job offer finally came through", "the baby was born healthy this morning",
            "the team won the championship in overtime", "an old friend showed up with a surprise cake",
            "the garden bloomed all at once", "the scholarship letter arrived today",
            "the whole family got together for the holidays", "the concert tickets turned out to be front row",
            "the puppy learned to fetch", "the house sale closed at last"],
    "sadness": ["the old dog passed away last night", "a best friend moved across the country",
                "the grandparents' house was sold", "nobody came to the birthday party",
                "the letter said the application was rejected", "the hospital called with bad news",
                "the band broke up after twenty years", "the last photo of the family was lost in the flood",
                "the marriage ended after a long year", "the childhood home was torn down"],
}
# Verb phrases that carry the emotion without a feeling word.
ACTIONS = {
    "anger": ["slammed the door and shouted", "wanted to scream at somebody", "could not stop yelling about it",
              "clenched a fist and demanded an apology"],
    "fear": ["could not stop shaking", "hid under the blanket all night", "checked the locks five times",
             "held a breath and froze"],
    "joy": ["laughed and danced around the kitchen", "could not stop smiling", "hugged everyone in sight",
            "sang all the way home"],
    "sadness": ["cried for hours", "stared at the wall all evening", "could not eat anything",
                "sat alone in the dark"],
}
SHAPES = [
    "{P} felt {f} when {e}.",
    "{P} {was} {f} because {e}.",
    "When {e}, {P} {a}.",
    "{P} {a} after {e}.",
    "{e_cap}, and {P} {was} {f}.",
    "{P} said {s} felt {f}: {e}.",
    "Honestly, {P} {a}. {e_cap}.",
    "{e_cap}. {S} {a} and felt {f}.",
    "{P} {is_} still {f}. {e_cap}.",
    "Today {e}. {S} {was} {f}.",
]


sys.path.insert(0, str(HERE.parent))  # sample_data/: the generators' shared helpers
from _common import unique_draws, write_splits  # noqa: E402


def person(rng: random.Random, gender: str) -> str:
    if gender == "none":
        return rng.choice(NEUTRAL)
    names, nouns = (FEMALE_NAMES, FEMALE_NOUNS) if gender == "female" else (MALE_NAMES, MALE_NOUNS)
    return rng.choice(names) if rng.random() < 0.5 else rng.choice(nouns)


def make_text(rng: random.Random, emotion: str, gender: str) -> str:
    p = person(rng, gender)
    subject = PRONOUNS[gender][0] if p not in ("I", "we") else p
    plural = gender == "none" and p != "I"
    event = rng.choice(EVENTS[emotion])
    text = rng.choice(SHAPES).format(
        P=p, S=subject.capitalize(), s=subject, f=rng.choice(FEELINGS[emotion]), e=event,
        e_cap=event[0].upper() + event[1:], a=rng.choice(ACTIONS[emotion]),
        was="were" if plural else "was", is_="are" if plural else ("am" if p == "I" else "is"),
    )
    return text[0].upper() + text[1:]


def cell_counts(n: int, rates: dict) -> dict:
    counts = {}
    for g, share in GROUP_SHARE.items():
        n_g = round(n * share)
        for e in EMOTIONS:
            counts[(g, e)] = round(n_g * rates[g][e])
    return counts


def generate_split(rng: random.Random, n: int, rates: dict, seen: set) -> list[dict]:
    rows = []
    for (g, e), count in cell_counts(n, rates).items():
        rows += [{"text": text, "label": e, "gender_mention": g}
                 for text in unique_draws(count, lambda: make_text(rng, e, g), seen)]
    rng.shuffle(rows)
    return rows


def print_stats(name: str, rows: list[dict]) -> None:
    print(f"{name}: {len(rows)} rows")
    counts = Counter((r["gender_mention"], r["label"]) for r in rows)
    for g in GROUP_SHARE:
        total = sum(counts[(g, e)] for e in EMOTIONS)
        print(f"  {g:7s} " + "  ".join(f"{e} {counts[(g, e)]:3d} ({counts[(g, e)] / total:.2f})" for e in EMOTIONS))


def main() -> None:
    write_splits(description=__doc__.splitlines()[0], stats_help="print label counts per group", seed=SEED, folder=HERE,
                 fieldnames=["text", "label", "gender_mention"], generate_split=generate_split, print_stats=print_stats,
                 splits=[("emotion_train.csv", N_TRAIN, TRAIN_RATE), ("emotion_test.csv", N_TEST, TEST_RATE)])


if __name__ == "__main__":
    main()
