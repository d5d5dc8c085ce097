#!/usr/bin/env python3
"""Generate auditkit's sample review data (stdlib only, seeded, deterministic).

Writes, next to this script:

* ``reviews_train.csv`` -- 1200 rows, DELIBERATELY SKEWED: reviews that mention a woman are
  ~72% negative, reviews that mention a man ~28% negative, the rest 50/50 (overall balanced).
* ``reviews_test.csv``  -- 400 rows, no skew (every gender_mention group is 50/50).

Columns: ``text,label,gender_mention``; label is ``negative``/``positive``; gender_mention is
``female``/``male``/``none`` (whom the review mentions).

Reviews are assembled from hand-written fragments (openers, aspect phrases, topic clauses,
verdicts, companion reactions, staff remarks). The sentiment always lives in the words about
the product/place, never in who is mentioned, so a human labeller agrees with every label and
a counterfactual gender swap never changes the correct label.

Usage:  python sample_data/make_sample_data.py [--stats]
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

SEED = 20240611
HERE = Path(__file__).resolve().parent

from _common import unique_draws, write_splits  # noqa: E402  (sample_data/_common.py: this script's folder is on sys.path)
N_TRAIN = 1200
N_TEST = 400
GROUP_SHARE = {"female": 0.30, "male": 0.30, "none": 0.40}
# share of negative reviews per gender_mention group
TRAIN_NEG_RATE = {"female": 0.72, "male": 0.28, "none": 0.50}
TEST_NEG_RATE = {"female": 0.50, "male": 0.50, "none": 0.50}
MIN_WORDS, MAX_WORDS = 4, 60

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

# Names used by auditkit's bias probes -- keep them here so slices and probes line up.
PROBE_FEMALE = ["Ebony", "Jasmine", "Lakisha", "Latoya", "Tanisha", "Amanda", "Courtney",
                "Heather", "Katie", "Melanie", "Nancy", "Stephanie"]
PROBE_MALE = ["Alonzo", "Darnell", "Jamel", "Jerome", "Lamar", "Malik", "Adam", "Andrew",
              "Frank", "Harry", "Jack", "Ryan"]
OTHER_FEMALE = ["Maria", "Priya", "Sofia", "Emma", "Aisha", "Hannah", "Mei", "Olivia", "Rosa",
                "Grace"]
OTHER_MALE = ["Chen", "Omar", "Luis", "Noah", "Raj", "Diego", "Kenji", "Ben", "Tom", "Ali"]

FEMALE_REL = ["my sister", "my wife", "my mom", "my daughter", "my aunt", "my girlfriend",
              "my grandma", "my niece", "my mother-in-law", "my fiancee"]
MALE_REL = ["my brother", "my husband", "my dad", "my son", "my uncle", "my boyfriend",
            "my grandpa", "my nephew", "my father-in-law", "my fiance"]
# name + gender-neutral relation: "my friend Jasmine"
NAME_REL = ["my friend", "my coworker", "my neighbor", "my roommate", "my best friend",
            "my cousin", "my colleague"]
# gender-neutral, plural companions for gender_mention=none
NEUTRAL_PLURAL = ["my kids", "my parents", "my friends", "my coworkers", "my in-laws",
                  "my roommates", "the whole family", "my cousins", "our group"]

PRONOUNS = {
    "female": {"sp": "she", "op": "her", "ps": "her", "s": "s", "was": "was", "has": "has",
               "is": "is", "self": "herself"},
    "male": {"sp": "he", "op": "him", "ps": "his", "s": "s", "was": "was", "has": "has",
             "is": "is", "self": "himself"},
    "plural": {"sp": "they", "op": "them", "ps": "their", "s": "", "was": "were",
               "has": "have", "is": "are", "self": "themselves"},
}


def pick_name(rng: random.Random, gender: str) -> str:
    probe, other = (PROBE_FEMALE, OTHER_FEMALE) if gender == "female" else (PROBE_MALE, OTHER_MALE)
    return rng.choice(probe) if rng.random() < 0.7 else rng.choice(other)


def companion(rng: random.Random, gender: str) -> dict:
    """A person who came along / received the item."""
    if gender == "none":
        return {"mention": rng.choice(NEUTRAL_PLURAL), "g": "plural"}
    r = rng.random()
    if r < 0.45:
        mention = rng.choice(FEMALE_REL if gender == "female" else MALE_REL)
    elif r < 0.75:
        mention = pick_name(rng, gender)
    else:
        mention = f"{rng.choice(NAME_REL)} {pick_name(rng, gender)}"
    return {"mention": mention, "g": gender}


# ---------------------------------------------------------------------------------------------
# Generic fragments
# ---------------------------------------------------------------------------------------------

ADV = ["", "", "", "really ", "very ", "so ", "pretty ", "super ", "incredibly ", "quite ",
       "genuinely ", "honestly "]

GENERIC_NEGATED = {
    "positive": ["not bad at all", "not bad at all, actually", "honestly can't complain",
                 "no complaints from me", "nothing to complain about", "can't fault it",
                 "not a single thing I'd change", "no regrets at all"],
    "negative": ["not good, not even close", "not worth it at all", "nothing special at all",
                 "honestly not worth the hype", "not impressed at all", "never again",
                 "not something I would ever repeat", "no thanks"],
}

GENERIC_QUESTIONS = {
    "positive": ["why didn't I try this sooner", "what more could you ask for",
                 "where has this been all my life", "who knew {thing} could be this good",
                 "honestly, what's not to love", "can I give six stars"],
    "negative": ["how is this even allowed", "did anyone actually check this before selling it",
                 "why did I bother", "who thought this was acceptable",
                 "is it too much to ask for the basics", "what was I thinking"],
}

SARCASM = {  # negative only, used sparingly
    "visit": ["great, just great. exactly how I wanted to spend my evening",
              "oh wonderful, another hour of my life I will never get back",
              "five stars for consistency, it was bad every single time"],
    "item": ["fantastic, it broke again. truly impressive engineering",
             "oh sure, totally worth the money. said no one ever",
             "love paying full price for something this useless"],
}

INTENSIFIED = {
    "positive": ["honestly", "I have to say", "to be fair", "no joke", "seriously",
                 "for what it's worth", "all in all"],
    "negative": ["honestly", "I have to say", "to be fair", "no joke", "seriously",
                 "for what it's worth", "all in all"],
}

TYPO_FIXES = {"definitely": "definately", "received": "recieved", "a lot": "alot",
              "separate": "seperate", "restaurant": "restaraunt", "really": "realy",
              "recommend": "recomend", "experience": "experiance", "their": "thier",
              "disappointed": "dissapointed", "until": "untill", "necessary": "neccessary",
              "though": "tho", "because": "bc", "you": "u"}

# ---------------------------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------------------------
# The twelve topics are data: topics.json beside this script, in the order the generator draws them.
# Per topic:
# aspects: [noun phrase, verb "was"/"were", positive adjectives, negative adjectives]
# clauses: hand-written full clauses (no final punctuation)
# verdicts: closing remarks
# openers: neutral context sentences
# staff, performer: [female mention(s), male mention(s), neutral roles to combine with a name]
TOPICS: dict[str, dict] = json.loads((HERE / "topics.json").read_text(encoding="utf-8"))

# Shared by the topics:
# VISIT_OPENERS_P, ITEM_OPENERS_P: openers with {o}/{p}, which need a companion
# react: companion reactions per polarity ({p} subject mention, {o} object, {sp} {op} {ps} ...)
# staff_say: remarks about a staff member per polarity

VISIT_REACT = {
    "positive": [
        "{p} loved it and already want{s} to go back",
        "even {pf}, who hate{s} everything, {was} impressed",
        "{p} {has}n't stopped talking about it since",
        "{p} said it was the best night out {sp} {has} had in ages",
        "{p} {is} already planning our next visit",
        "{p} had a great time too",
        "{p} kept saying how lucky we were to find it",
        "{p} made me promise we'd come back soon",
        "{p} {was} smiling the whole time",
    ],
    "negative": [
        "{p} {was} so disappointed, and honestly so was I",
        "{p} said {sp} would never go back",
        "even {pf}, who like{s} everything, thought it was awful",
        "{p} wanted to leave after ten minutes",
        "{p} complained the whole way home, and {sp} had every right to",
        "{p} still bring{s} it up as the worst night out we've had",
        "{p} {was} fuming by the end, and I don't blame {op}",
        "{p} ended up asking for a refund",
    ],
}

ITEM_REACT = {
    "positive": [
        "{p} loved it so much that {sp} bought one for {ps} office",
        "{p} use{s} it every day now",
        "even {pf}, who {is} impossible to please, {was} impressed",
        "{p} say{s} it's the best gift I've ever given {op}",
        "{p} keep{s} recommending it to everyone {sp} know{s}",
        "{p} {was} thrilled with it",
        "{p} got hooked right away",
    ],
    "negative": [
        "{p} gave up on it after a day",
        "{p} told me to send it back",
        "even {pf}, who like{s} pretty much anything, couldn't stand it",
        "{p} {was} so annoyed with it that {sp} asked me to return it",
        "{p} said it was a waste of money and {sp} {was} right",
        "{p} tried it once and never touched it again",
        "{p} {was} really let down by it",
    ],
}

VISIT_OPENERS_P = [
    "went with {o} for {ps} birthday", "went with {o} last weekend",
    "{p} and I tried {thing} on a Friday night", "{p} booked it for us",
    "went with {o} after work", "{p} picked {thing}", "{p} found {thing} online",
    "I brought {o} along", "{p} and I finally gave {thing} a try",
    "{p} suggested we try {thing}", "{p} talked me into trying {thing}",
]
ITEM_OPENERS_P = [
    "bought this for {o} as a gift", "{p} got this for me for my birthday",
    "{p} recommended this to me", "picked this up for {o} last month",
    "{p} and I tried it together", "got one for {o} and one for myself",
    "{p} talked me into buying this", "ordered this because {p} kept asking for it",
    "{p} and I gave {thing} a go",
]

STAFF_SAY = {
    "positive": [
        "{p} was lovely and checked on us without hovering",
        "{p} went out of {ps} way to help us",
        "{p} was patient with all our questions and even gave us a discount",
        "{p} remembered us from last time, which was a nice touch",
        "{p} was friendly, quick and clearly knew what {sp} was doing",
        "{p} sorted out a mix-up in two minutes and apologized for it",
        "{p} could not have been more helpful",
    ],
    "negative": [
        "{p} was rude and barely looked at us",
        "{p} ignored us for twenty minutes and never apologized",
        "{p} rolled {ps} eyes when we asked a simple question",
        "{p} got everything wrong and then blamed us for it",
        "{p} was on {ps} phone the whole time",
        "{p} was dismissive and clearly didn't want to help",
        "{p} argued with us instead of fixing the problem",
    ],
}

PERFORMER_SAY = {  # film/book/concert/game "staff": mention is gender-neutral, pronoun makes it clear
    "positive": [
        "{p} is brilliant and {sp} clearly loves this material",
        "{p} clearly put {ps} heart into this",
        "{p} was at the top of {ps} game",
        "you can tell {p} cared about every detail, and {sp} nailed it",
    ],
    "negative": [
        "{p} seems bored and {sp} phones it in from start to finish",
        "{p} clearly stopped caring halfway and it shows in {ps} work",
        "{p} seems to have lost interest, and {ps} heart just isn't in it",
        "{p} was nowhere near {ps} best",
    ],
}

# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------


class Person:
    def __init__(self, mention: str, g: str):
        self.mention = mention
        self.g = g
        self.used = False

    def fill(self, template: str) -> str:
        pr = PRONOUNS[self.g]
        out = template
        out = out.replace("{pf}", self.mention)
        for key in ("{p}", "{o}"):
            while key in out:
                if not self.used:
                    rep = self.mention
                    self.used = True
                else:
                    rep = pr["sp"] if key == "{p}" else pr["op"]
                out = out.replace(key, rep, 1)
        if "{pf}" in template:
            self.used = True
        for k in ("sp", "op", "ps", "s", "was", "has", "is", "self"):
            out = out.replace("{" + k + "}", pr[k])
        return out


def opp(label: str) -> str:
    return "negative" if label == "positive" else "positive"


NON_GRADABLE = {"perfect", "superb", "flawless", "incredible", "amazing", "stunning", "spotless", "heavenly",
                "unbeatable", "nonexistent", "inedible", "broken", "missing", "empty", "invisible", "brilliant",
                "excellent", "ideal", "laughable", "absurd", "ridiculous", "outrageous", "insane", "fantastic",
                "gorgeous", "jaw-dropping", "terrible", "awful", "useless", "dreadful", "botched", "filthy",
                "tasteless", "seamless", "instant", "spot on", "lazy", "decent", "wonderful", "lovely"}


def adv_for(rng, adj: str) -> str:
    if " " in adj or adj in NON_GRADABLE:
        return ""
    return rng.choice(ADV)


def aspect_sentence(rng, topic, pol, used_aspects):
    choices = [a for a in topic["aspects"] if a[0] not in used_aspects] or topic["aspects"]
    noun, be, pos, neg = rng.choice(choices)
    used_aspects.add(noun)
    adj = rng.choice(pos if pol == "positive" else neg)
    return f"{noun} {be} {adv_for(rng, adj)}{adj}"


def negated_aspect(rng, topic, pol, used_aspects):
    """'the service wasn't slow at all' (pos) / 'the food wasn't exactly fresh' (neg)."""
    choices = [a for a in topic["aspects"] if a[0] not in used_aspects] or topic["aspects"]
    noun, be, pos, neg = rng.choice(choices)
    used_aspects.add(noun)
    if pol == "positive":
        adj = rng.choice([a for a in neg if " " not in a and not a.startswith("un")] or neg)
        return f"{noun} {be}n't {adj} at all" if rng.random() < 0.5 else f"{noun} {be} not {adj} in the slightest"
    adj = rng.choice([a for a in pos if " " not in a] or pos)
    return f"{noun} {be}n't exactly {adj}" if rng.random() < 0.5 else f"{noun} {be} anything but {adj}"


def two_aspects(rng, topic, pol, used):
    a = aspect_sentence(rng, topic, pol, used)
    b = aspect_sentence(rng, topic, pol, used)
    return f"{a} and {b}" if rng.random() < 0.6 else f"{a}, {b}"


def mixed_sentence(rng, topic, pol, used):
    """A concession in the other polarity, then the main polarity wins."""
    if rng.random() < 0.6:
        # a softened concession, so the overall verdict is never in doubt
        choices = [a for a in topic["aspects"] if a[0] not in used] or topic["aspects"]
        noun, be, _, _ = rng.choice(choices)
        used.add(noun)
        if pol == "positive":
            minor = rng.choice([f"{noun} could be better", f"{noun} {be} not perfect",
                                f"{noun} {be} a little disappointing", f"{noun} {be} just okay"])
        else:
            minor = rng.choice([f"{noun} {be} fine", f"{noun} {be} okay", f"{noun} {be} decent enough",
                                f"{noun} {be} not the worst"])
    else:
        minor = aspect_sentence(rng, topic, opp(pol), used)
    main = rng.choice([aspect_sentence(rng, topic, pol, used), rng.choice(topic["clauses"][pol])])
    form = rng.randrange(4)
    if form == 0:
        return f"{minor}, but {main}"
    if form == 1:
        return f"sure, {minor}, but {main}"
    if form == 2:
        return f"although {minor}, {main}"
    if pol == "positive":
        return f"{main}. the only downside is that {minor}"
    return f"{main}. the only good thing is that {minor}"


def thing(rng, topic):
    return "it" if topic.get("_thing_used") else topic["_thing"]


def verdict(rng, topic, pol):
    if rng.random() < 0.15:
        return rng.choice(GENERIC_NEGATED[pol])
    return rng.choice(topic["verdicts"][pol])


def overall_sentence(rng, topic, pol):
    t = thing(rng, topic)
    be = "is" if topic["kind"] == "item" or rng.random() < 0.5 else "was"
    if pol == "positive":
        adj = rng.choice(["great", "fantastic", "excellent", "wonderful", "brilliant", "lovely", "good", "solid"])
        forms = [f"{t} {be} {adv_for(rng, adj)}{adj}",
                 f"I {rng.choice(['loved', 'really enjoyed', 'was blown away by', 'was impressed by'])} {t}",
                 f"{t} exceeded my expectations", f"{t} was a pleasant surprise",
                 f"can't say enough good things about {t}"]
    else:
        bad = ["terrible", "awful", "disappointing", "dreadful", "bad", "poor"]
        if topic["kind"] == "item":
            bad.append("useless")
        adj = rng.choice(bad)
        forms = [f"{t} {be} {adv_for(rng, adj)}{adj}",
                 f"I {rng.choice(['hated', 'really regret trying', 'was let down by', 'was not impressed by'])} {t}",
                 f"{t} was a huge disappointment", f"{t} fell way short of my expectations",
                 f"can't say a single good thing about {t}"]
    return rng.choice(forms)


def question(rng, topic, pol):
    q = rng.choice(GENERIC_QUESTIONS[pol])
    return q.format(thing=topic["thing"][0].replace("this ", "a ").replace("the ", "a "))


def person_sentences(rng, topic, person, pol, role):
    """Sentences that mention the person. role: 'companion' | 'staff' | 'performer'."""
    if role == "staff":
        return [person.fill(rng.choice(STAFF_SAY[pol]))]
    if role == "performer":
        return [person.fill(rng.choice(PERFORMER_SAY[pol]))]
    kind = topic["kind"]
    out = []
    mode = rng.random()
    openers = VISIT_OPENERS_P if kind == "visit" else ITEM_OPENERS_P
    react = VISIT_REACT if kind == "visit" else ITEM_REACT
    openers = [o.replace("{thing}", topic["_thing"]) for o in openers
               if not (person.g == "plural" and "birthday" in o)]
    if mode < 0.35 or mode >= 0.65:
        op = rng.choice(openers)
        if topic["_thing"] in op:
            topic["_thing_used"] = True
        out.append(("open", person.fill(op)))
    if mode >= 0.35:
        out.append(("react", person.fill(rng.choice(react[pol]))))
    return out


def make_person(rng, topic, gender):
    """Return (Person, role) or (None, None)."""
    if gender == "none":
        if rng.random() < 0.3:
            c = companion(rng, "none")
            return Person(c["mention"], c["g"]), "companion"
        return None, None
    r = rng.random()
    if topic.get("staff") and r < 0.3:
        fem, mal, neutral = topic["staff"]
        if topic.get("staff_gendered_only_by_pronoun") or rng.random() < 0.4:
            # neutral role + name, or neutral role whose gender shows via pronoun in the template
            role_noun = rng.choice(neutral)
            mention = f"{role_noun} {pick_name(rng, gender)}" if rng.random() < 0.6 else role_noun
            if mention == role_noun:
                return Person(mention, gender), "staff_pronoun"
            return Person(mention, gender), "staff"
        return Person(rng.choice(fem if gender == "female" else mal), gender), "staff"
    if topic.get("performer") and r < 0.3:
        fem, mal, neutral = topic["performer"]
        return Person(rng.choice(fem if gender == "female" else mal), gender), "performer"
    c = companion(rng, gender)
    return Person(c["mention"], c["g"]), "companion"


PRONOUN_STAFF = {
    "positive": [t for t in STAFF_SAY["positive"] if "{sp}" in t or "{ps}" in t],
    "negative": [t for t in STAFF_SAY["negative"] if "{sp}" in t or "{ps}" in t],
}


def finish(rng, text: str, force_end: str | None = None) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    if force_end:
        return text + force_end
    r = rng.random()
    return text + ("!" if r < 0.12 else "." if r < 0.97 else "...")


def build_review(rng, topic_name, pol, gender) -> str:
    topic = dict(TOPICS[topic_name])
    topic["_thing"] = rng.choice(topic["thing"])
    used: set[str] = set()
    person, role = make_person(rng, topic, gender)

    # person sentences (ordered: opener first, reactions later)
    p_open, p_late = [], []
    if person is not None:
        if role == "companion":
            for kind, s in person_sentences(rng, topic, person, pol, "companion"):
                (p_open if kind == "open" else p_late).append(s)
        elif role == "staff_pronoun":
            p_late.append(person.fill(rng.choice(PRONOUN_STAFF[pol])))
        elif role == "performer":
            p_late.append(person.fill(rng.choice(PERFORMER_SAY[pol])))
        else:
            p_late.append(person.fill(rng.choice(STAFF_SAY[pol])))

    shape = rng.choices(["short", "medium", "long", "mixed"], weights=[0.2, 0.33, 0.25, 0.22])[0]
    body: list[str] = []
    if shape == "short":
        if person is not None and not p_open and rng.random() < 0.6:
            # just the person sentence (+ maybe a verdict)
            sents = [finish(rng, s) for s in p_late]
            if rng.random() < 0.4:
                sents.append(finish(rng, verdict(rng, topic, pol)))
            return " ".join(sents)
        r = rng.random()
        if r < 0.3:
            core = overall_sentence(rng, topic, pol)
        elif r < 0.5:
            core = rng.choice(GENERIC_NEGATED[pol]) + ", " + rng.choice(topic["verdicts"][pol])
            used.add("verdict")
        elif r < 0.75:
            core = aspect_sentence(rng, topic, pol, used)
        else:
            core = rng.choice(topic["clauses"][pol])
        body = [finish(rng, core)]
        if "verdict" not in used and rng.random() < 0.35:
            body.append(finish(rng, verdict(rng, topic, pol)))
        sents = [finish(rng, s, ".") for s in p_open] + body + [finish(rng, s) for s in p_late]
        return " ".join(sents)

    # medium / long / mixed
    opener = None
    if not p_open and rng.random() < 0.4:
        opener = rng.choice(topic["openers"])
    pieces: list[str] = []
    n_core = {"medium": 1, "long": 2, "mixed": 1}[shape] + (rng.random() < 0.3)
    for i in range(n_core):
        r = rng.random()
        if shape == "mixed" and i == 0:
            pieces.append(mixed_sentence(rng, topic, pol, used))
        elif r < 0.14:
            pieces.append(negated_aspect(rng, topic, pol, used))
        elif r < 0.35:
            pieces.append(aspect_sentence(rng, topic, pol, used))
        elif r < 0.55:
            pieces.append(two_aspects(rng, topic, pol, used))
        elif r < 0.78 or "overall" in used:
            pieces.append(rng.choice([c for c in topic["clauses"][pol] if c not in pieces] or topic["clauses"][pol]))
        else:
            used.add("overall")
            pieces.append(overall_sentence(rng, topic, pol))
    sents = []
    if opener:
        sents.append(finish(rng, opener, "."))
    sents += [finish(rng, s, ".") for s in p_open]
    core_sents = [finish(rng, p) for p in pieces]
    if rng.random() < 0.15:
        lead = rng.choice(INTENSIFIED[pol])
        core_sents[0] = lead[0].upper() + lead[1:] + ", " + core_sents[0][0].lower() + core_sents[0][1:]
    if rng.random() < 0.12:
        core_sents.insert(rng.randrange(len(core_sents) + 1), finish(rng, question(rng, topic, pol), "?"))
    if pol == "negative" and rng.random() < 0.03:
        core_sents.insert(0, finish(rng, rng.choice(SARCASM[topic["kind"]])))
    sents += core_sents
    # person reaction either in the middle or at the end
    late = [finish(rng, s) for s in p_late]
    if late and rng.random() < 0.5 and len(sents) > 1:
        at = rng.randrange(1, len(sents) + 1)
        sents[at:at] = late
    else:
        sents += late
    if shape in ("long", "mixed") or rng.random() < 0.45:
        sents.append(finish(rng, verdict(rng, topic, pol)))
    return " ".join(sents)


# never put a typo into a name or a gendered word: gender_mention must stay readable from the text
PROTECTED = set(PROBE_FEMALE + PROBE_MALE + OTHER_FEMALE + OTHER_MALE) | {
    w.split()[-1].capitalize() for w in FEMALE_REL + MALE_REL} | {
    w.capitalize() for w in ("waiter", "waitress", "woman", "lady", "actress", "actor", "herself", "himself")}


def add_noise(rng, text: str) -> str:
    r = rng.random()
    if r < 0.10:
        text = text.lower()
    elif r < 0.13:
        text = text.replace(".", "").replace("!", "")  # lazy typing, no punctuation
        text = text[0].lower() + text[1:]
    if rng.random() < 0.10:
        # one common misspelling or one swapped-letter typo
        keys = [k for k in TYPO_FIXES if re.search(r"\b" + re.escape(k) + r"\b", text)]
        if keys and rng.random() < 0.6:
            k = rng.choice(keys)
            text = re.sub(r"\b" + re.escape(k) + r"\b", TYPO_FIXES[k], text, count=1)
        else:
            words = text.split(" ")
            idx = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 4 and w.capitalize() not in PROTECTED]
            if idx:
                i = rng.choice(idx)
                w = words[i]
                j = rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
                text = " ".join(words)
    return text


def clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace(" ,", ",")
    # capitalize after sentence ends (fragments like "... . the only downside")
    text = re.sub(r"([.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    text = re.sub(r"\bi\b", "I", text)
    return text


def n_words(text: str) -> int:
    return len(text.split())


# ---------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------


def cell_counts(n: int, neg_rate: dict[str, float]) -> dict[tuple[str, str], int]:
    counts = {}
    sizes = {"female": round(n * GROUP_SHARE["female"]), "male": round(n * GROUP_SHARE["male"])}
    sizes["none"] = n - sizes["female"] - sizes["male"]
    for g, size in sizes.items():
        neg = round(size * neg_rate[g])
        counts[(g, "negative")] = neg
        counts[(g, "positive")] = size - neg
    return counts


def _dedupe_key(text: str) -> str:
    """Texts that differ only in punctuation, case or spacing count as one."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", "", text.lower())).strip()


def generate_split(rng, n, neg_rate, seen: set[str]) -> list[dict]:
    rows = []
    topics = list(TOPICS)
    for (g, label), count in cell_counts(n, neg_rate).items():
        def review():
            text = add_noise(rng, clean(build_review(rng, rng.choice(topics), label, g)))
            return text if MIN_WORDS <= n_words(text) <= MAX_WORDS else None

        texts = unique_draws(count, review, seen, key=_dedupe_key, max_attempts=count * 200, what=f"reviews for {g}/{label}")
        rows += [{"text": text, "label": label, "gender_mention": g} for text in texts]
    rng.shuffle(rows)
    return rows


def print_stats(name: str, rows: list[dict]) -> None:
    print(f"== {name}: {len(rows)} rows")
    c = Counter((r["gender_mention"], r["label"]) for r in rows)
    for g in ("female", "male", "none"):
        neg, pos = c[(g, "negative")], c[(g, "positive")]
        print(f"  {g:7s} negative={neg:4d} positive={pos:4d}  neg_rate={neg / max(neg + pos, 1):.2f}")
    labels = Counter(r["label"] for r in rows)
    print(f"  overall {dict(labels)}")
    for lab in ("negative", "positive"):
        lens = sorted(n_words(r["text"]) for r in rows if r["label"] == lab)
        q = lambda p: lens[min(len(lens) - 1, int(p * len(lens)))]  # noqa: E731
        excl = sum(r["text"].rstrip().endswith("!") for r in rows if r["label"] == lab) / len(lens)
        qm = sum("?" in r["text"] for r in rows if r["label"] == lab) / len(lens)
        print(f"  words[{lab}]: min={lens[0]} p25={q(.25)} median={q(.5)} p75={q(.75)} max={lens[-1]} "
              f"mean={sum(lens) / len(lens):.1f}  ends'!'={excl:.2f} has'?'={qm:.2f}")
    dup = len(rows) - len({r["text"] for r in rows})
    print(f"  exact duplicate texts: {dup}")


def print_overlap(splits: list[list[dict]]) -> None:
    train, test = splits
    overlap = {r["text"] for r in train} & {r["text"] for r in test}
    print(f"train/test overlapping texts: {len(overlap)}")


def main() -> None:
    write_splits(description=__doc__.splitlines()[0], stats_help="print per-split statistics", seed=SEED, folder=HERE,
                 fieldnames=["text", "label", "gender_mention"], generate_split=generate_split, print_stats=print_stats,
                 more_stats=print_overlap,
                 splits=[("reviews_train.csv", N_TRAIN, TRAIN_NEG_RATE), ("reviews_test.csv", N_TEST, TEST_NEG_RATE)])


if __name__ == "__main__":
    main()
