#!/usr/bin/env python3
"""Generate auditkit's multi-label toxicity-style demo data (stdlib only, seeded, deterministic).

Writes, next to this script:

* ``toxicity_train.csv`` -- 1200 comments, DELIBERATELY SKEWED: comments that mention women or
  Black people are 75% toxic, comments that mention men or white people 35%, comments that
  mention nobody 30%.
* ``toxicity_test.csv``  -- 400 comments, no skew: 35% toxic in every ``identity`` group.

Columns: ``text``, four 0/1 label columns ``toxic``, ``insult``, ``threat``,
``identity_attack``, the same labels as one list column ``labels`` (names joined by ``|``,
empty for a clean comment), and ``identity`` (``female``, ``male``, ``black``, ``white`` or
``none``: the group the comment mentions).

Every comment with any of insult/threat/identity_attack is also ``toxic``. ``identity_attack``
is tied to identity mentions by construction: it is 1 exactly when a toxic comment attacks the
group it mentions, so it can only occur in comments whose ``identity`` is not ``none``.

Usage:  python sample_data/toxicity/make_toxicity_data.py [--stats]
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20261130
HERE = Path(__file__).resolve().parent
LABELS = ("toxic", "insult", "threat", "identity_attack")
N_TRAIN, N_TEST = 1200, 400
GROUP_SHARE = {"female": 0.15, "male": 0.15, "black": 0.15, "white": 0.15, "none": 0.40}
TRAIN_TOXIC_RATE = {"female": 0.75, "male": 0.35, "black": 0.75, "white": 0.35, "none": 0.30}
TEST_TOXIC_RATE = {g: 0.35 for g in GROUP_SHARE}
#: share of toxic comments mentioning a group that attack that group (the rest insult or threaten a person)
ATTACK_SHARE = 0.7

GROUPS = {
    "female": ["women", "girls", "these women", "female drivers", "the women I work with"],
    "male": ["men", "guys", "these men", "male drivers", "the men I work with"],
    "black": ["Black people", "African Americans", "Black folks", "the Black families here"],
    "white": ["white people", "European Americans", "white folks", "the white families here"],
}
PEOPLE = {
    "female": ["my sister", "my mom", "this woman", "Lakisha", "Katie", "Nancy", "Ebony"],
    "male": ["my brother", "my dad", "this man", "Jerome", "Jack", "Frank", "Darnell"],
    "black": ["a Black woman", "a Black man", "an African American man", "an African American woman"],
    "white": ["a white woman", "a white man", "a European American man", "a European American woman"],
}
TOPICS = ["the new bus schedule", "the stadium plan", "this recipe", "the city budget", "the school board vote",
          "this article", "the park renovation", "the new bike lane plan", "the library schedule", "the tax proposal",
          "the concert series", "the farmers market"]
OPINIONS = ["is a sensible idea", "needs more work", "was explained really well", "is a bit confusing",
            "seems fair to me", "will help the neighbourhood", "is overdue", "could be cheaper",
            "made my week", "deserves a second look"]
CLEAN_WITH_GROUP = [
    "{G} at the meeting said {t} {o}.", "I talked with {G} about {t}; we agreed it {o}.",
    "{G_cap} in my street think {t} {o}.", "Good to hear from {G} on {t}. It {o}.",
]
CLEAN_WITH_PERSON = [
    "{P_cap} told me {t} {o}.", "As {P_art} I think {t} {o}.", "{P_cap} and I read about {t}; it {o}.",
]
CLEAN_PLAIN = ["I think {t} {o}.", "Honestly, {t} {o}.", "Read up on {t} today. It {o}.", "{t_cap} {o}, in my view."]
ATTACKS = ["{G_cap} are all lazy and useless.", "Nobody wants {G} around here.", "{G_cap} ruin everything they touch.",
           "Typical {G}, too stupid to understand anything.", "{G_cap} should just shut up and go away."]
INSULTS = ["You are an idiot.", "What a pathetic clown you are.", "Only a moron would write this.",
           "You are a complete loser.", "Shut up, you brainless fool."]
THREATS = ["I will find you and make you pay.", "Watch your back, I know where you live.",
           "Someone should hurt you for this.", "Keep talking and you will regret it."]
PROFANE = ["What a load of crap.", "This is damn garbage.", "Total crap, as usual.", "What the hell is this nonsense."]


sys.path.insert(0, str(HERE.parent))  # sample_data/: the generators' shared helpers
from _common import unique_draws, write_splits  # noqa: E402


def fill(template: str, rng: random.Random, group: str | None) -> str:
    g = rng.choice(GROUPS[group]) if group else ""
    p = rng.choice(PEOPLE[group]) if group else ""
    t = rng.choice(TOPICS)
    return template.format(G=g, G_cap=g[:1].upper() + g[1:], P_cap=p[:1].upper() + p[1:],
                           P_art=p if p.startswith(("a ", "an ")) else "someone close to " + p,
                           t=t, t_cap=t[0].upper() + t[1:], o=rng.choice(OPINIONS))


def make_comment(rng: random.Random, group: str, toxic: bool) -> tuple[str, dict]:
    labels = dict.fromkeys(LABELS, 0)
    mentioned = None if group == "none" else group
    context = fill(rng.choice(CLEAN_PLAIN), rng, None) if rng.random() < 0.5 else ""
    if not toxic:
        if mentioned is None:
            body = fill(rng.choice(CLEAN_PLAIN), rng, None)
        else:
            body = fill(rng.choice(CLEAN_WITH_GROUP + CLEAN_WITH_PERSON), rng, mentioned)
        return (context + " " + body).strip(), labels
    labels["toxic"] = 1
    if mentioned is not None and rng.random() < ATTACK_SHARE:
        labels["identity_attack"] = 1
        body = fill(rng.choice(ATTACKS), rng, mentioned)
        if rng.random() < 0.3:
            labels["insult"] = 1
            body += " " + rng.choice(INSULTS)
        return (context + " " + body).strip(), labels
    kind = rng.choices(["insult", "threat", "profane"], weights=[0.5, 0.25, 0.25])[0]
    body = rng.choice({"insult": INSULTS, "threat": THREATS, "profane": PROFANE}[kind])
    if kind != "profane":
        labels[kind] = 1
    if mentioned is not None:  # a person of the group is mentioned, the abuse aims at the reader
        body = fill(rng.choice(CLEAN_WITH_PERSON), rng, mentioned) + " " + body
    return (context + " " + body).strip(), labels


def generate_split(rng: random.Random, n: int, rates: dict, seen: set) -> list[dict]:
    rows = []
    for group, share in GROUP_SHARE.items():
        n_g = round(n * share)
        n_toxic = round(n_g * rates[group])
        for i in range(n_g):
            [(text, labels)] = unique_draws(1, lambda: make_comment(rng, group, toxic=i < n_toxic), seen,
                                            key=lambda comment: comment[0].lower())
            rows.append({"text": text, **labels, "labels": "|".join(k for k in LABELS if labels[k]), "identity": group})
    rng.shuffle(rows)
    return rows


def print_stats(name: str, rows: list[dict]) -> None:
    print(f"{name}: {len(rows)} rows")
    for group in GROUP_SHARE:
        sub = [r for r in rows if r["identity"] == group]
        counts = Counter(k for r in sub for k in LABELS if r[k])
        print(f"  {group:6s} n={len(sub):4d} " + "  ".join(f"{k} {counts[k] / len(sub):.2f}" for k in LABELS))


def main() -> None:
    write_splits(description=__doc__.splitlines()[0], stats_help="print label rates per identity group", seed=SEED,
                 folder=HERE, fieldnames=["text", *LABELS, "labels", "identity"], generate_split=generate_split,
                 print_stats=print_stats,
                 splits=[("toxicity_train.csv", N_TRAIN, TRAIN_TOXIC_RATE), ("toxicity_test.csv", N_TEST, TEST_TOXIC_RATE)])


if __name__ == "__main__":
    main()
