"""Hand-written content of the fixture suites.

Everything here is plain data plus small deterministic template code: the same
input always yields byte-identical JSONL. The generator (make_fixtures.py)
writes these items to ../suites/*.jsonl; nothing else reads this module.
"""
import random
import re

# --------------------------------------------------------------------------- geography
CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Portugal", "Lisbon"), ("Greece", "Athens"), ("Poland", "Warsaw"), ("Austria", "Vienna"),
    ("Hungary", "Budapest"), ("Sweden", "Stockholm"), ("Norway", "Oslo"), ("Finland", "Helsinki"),
    ("Denmark", "Copenhagen"), ("Ireland", "Dublin"), ("Belgium", "Brussels"), ("Netherlands", "Amsterdam"),
    ("Switzerland", "Bern"), ("Czechia", "Prague"), ("Romania", "Bucharest"), ("Bulgaria", "Sofia"),
    ("Serbia", "Belgrade"), ("Croatia", "Zagreb"), ("Ukraine", "Kyiv"), ("Russia", "Moscow"),
    ("Turkey", "Ankara"), ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Nigeria", "Abuja"),
    ("Ghana", "Accra"), ("Morocco", "Rabat"), ("Ethiopia", "Addis Ababa"), ("Japan", "Tokyo"),
    ("China", "Beijing"), ("India", "New Delhi"), ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"),
    ("Indonesia", "Jakarta"), ("Iran", "Tehran"), ("Canada", "Ottawa"), ("Mexico", "Mexico City"),
    ("Cuba", "Havana"), ("Peru", "Lima"), ("Chile", "Santiago"), ("Argentina", "Buenos Aires"),
    ("Brazil", "Brasilia"), ("Colombia", "Bogota"), ("Australia", "Canberra"), ("South Korea", "Seoul"),
]

# --------------------------------------------------------------------------- wordplay
WORDS = [
    "stone", "river", "apple", "cloud", "green", "table", "horse", "light", "bread", "chair",
    "plant", "water", "storm", "music", "paper", "smile", "tiger", "ocean", "candle", "garden",
    "silver", "window", "forest", "pencil", "rabbit", "summer", "winter", "bridge", "castle", "dragon",
    "flower", "guitar", "island", "jacket", "kitten", "lemon", "mirror", "orange", "pepper", "rocket",
    "sugar", "tomato", "violin", "wallet", "yellow", "zebra", "basket", "cookie",
]
RHYMES = [
    ("cat", "hat", ["dog", "cup", "sun"]), ("light", "night", ["lamp", "dark", "moon"]),
    ("cake", "lake", ["pie", "bread", "cook"]), ("star", "car", ["sky", "moon", "sun"]),
    ("bee", "tree", ["ant", "fly", "bug"]), ("rain", "train", ["snow", "wind", "cloud"]),
]

# --------------------------------------------------------------------------- format
NAMES = ["Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea",
         "Max", "Nia", "Omar", "Pia"]
COLOURS = ["red", "blue", "green", "white", "black", "pink", "grey", "gold"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

# --------------------------------------------------------------------------- reasoning
PEOPLE = ["Ann", "Ben", "Cal", "Dora", "Ed", "Flo", "Gil", "Hugo", "Ida", "Jan", "Kim", "Liv"]
ADJECTIVES = [("older", "oldest", "youngest"), ("taller", "tallest", "shortest"),
              ("faster", "fastest", "slowest"), ("richer", "richest", "poorest")]
SYLLOGISMS = [
    ("All birds have wings. Tweety is a bird.", "Does Tweety have wings?", "yes"),
    ("All fish live in water. Nemo is a fish.", "Does Nemo live in water?", "yes"),
    ("No cats can bark. Tom is a cat.", "Can Tom bark?", "no"),
    ("All roses are flowers. This plant is a rose.", "Is this plant a flower?", "yes"),
    ("No stones are alive. This is a stone.", "Is this alive?", "no"),
    ("All squares have four sides. This shape is a square.", "Does it have four sides?", "yes"),
    ("No metals are liquid at room heat except mercury. Iron is a metal.", "Is iron liquid at room heat?", "no"),
    ("Every dog in the park is brown. Rex is a dog in the park.", "Is Rex brown?", "yes"),
]

# --------------------------------------------------------------------------- support domain
TICKETS = [
    # (issue text, reply, key phrase the reply must contain, team, priority)
    ("I forgot my password", "Please use the reset link on the login page to set a new password.", "reset link", "account", "high"),
    ("my account is locked", "We unlocked your account; please sign in again within one hour.", "unlocked your account", "account", "high"),
    ("I want to change my email address", "Open Settings, then Profile, and edit the email field.", "Settings, then Profile", "account", "low"),
    ("please delete my account", "We started the deletion; it completes in seven days.", "seven days", "account", "low"),
    ("I was charged twice", "We refunded the duplicate charge to your card.", "refunded the duplicate", "billing", "high"),
    ("my invoice shows the wrong amount", "We corrected the invoice and sent a new copy.", "corrected the invoice", "billing", "high"),
    ("how do I get a receipt", "Receipts are under Billing, then History.", "Billing, then History", "billing", "low"),
    ("I want to cancel my plan", "Your plan ends at the close of this billing cycle.", "close of this billing cycle", "billing", "low"),
    ("can I pay by bank transfer", "Yes, choose bank transfer on the checkout page.", "bank transfer", "billing", "low"),
    ("my coupon code does not work", "We applied the coupon to your order by hand.", "applied the coupon", "billing", "low"),
    ("the app crashes when I open it", "Please update the app to the latest version and restart.", "latest version", "technical", "high"),
    ("the page will not load", "Please clear your browser cache and try again.", "clear your browser cache", "technical", "high"),
    ("I get error 500 on upload", "Our team fixed the upload server; please retry.", "fixed the upload server", "technical", "high"),
    ("notifications stopped working", "Turn notifications off and on again in Settings.", "off and on again", "technical", "low"),
    ("the export file is empty", "Pick a date range before you press export.", "date range", "technical", "low"),
    ("sync is very slow", "Sync runs faster on a wired connection.", "wired connection", "technical", "low"),
    ("my parcel has not arrived", "Your parcel is on its way and will arrive in two days.", "two days", "shipping", "high"),
    ("the box arrived damaged", "We are sending a replacement at no cost.", "replacement at no cost", "shipping", "high"),
    ("I need to change my delivery address", "We updated the address on your order.", "updated the address", "shipping", "low"),
    ("where is my tracking number", "The tracking number is in your confirmation email.", "confirmation email", "shipping", "low"),
    ("I received the wrong item", "Keep it; the right item ships today.", "ships today", "shipping", "high"),
    ("can you ship abroad", "We ship to thirty countries; see the shipping page.", "thirty countries", "shipping", "low"),
    ("how do I return an order", "Print the return label from your order page.", "return label", "shipping", "low"),
    ("the courier was rude", "We are sorry and have reported it to the courier.", "reported it to the courier", "shipping", "low"),
]
TEAMS = ["account", "billing", "technical", "shipping"]

# --------------------------------------------------------------------------- general text
SENTENCES = [
    "The cat sat by the window and watched the rain fall on the garden.",
    "A small boat crossed the lake before the storm reached the hills.",
    "Children walked to school along the river in the cold morning.",
    "The baker opened his shop early and the street smelled of fresh bread.",
    "Many birds fly south when the days grow short in autumn.",
    "She wrote a long letter to her friend who lived by the sea.",
    "The old bridge over the river was painted green last summer.",
    "Farmers plant wheat in spring and bring in the harvest in late summer.",
    "The library keeps quiet rooms where people read and study all day.",
    "A train left the station at noon and reached the city by evening.",
    "The moon was bright and the stars filled the clear night sky.",
    "He made tea, opened a book and sat in the warm kitchen.",
    "The museum shows paintings, maps and tools from long ago.",
    "Snow covered the roofs and the children built a snowman in the yard.",
    "The doctor told him to rest, drink water and sleep well.",
    "Bees carry pollen from flower to flower across the meadow.",
    "The market sells fruit, fish, cheese and warm bread on Saturday.",
    "Our team met in the morning to plan the work for the week.",
    "The road climbed through the forest to a village on the hill.",
    "Music played in the park while families ate lunch on the grass.",
]


def answer_first(answer):
    """Check for knowledge items: the answer must come first, as a whole word ('Buenos Aires.' and
    'New Delhi is the capital of India.' pass; 'Romece' and wrong answers fail). Knowledge categories
    grade knowledge; strict formatting is the format category's job."""
    word = answer.strip()
    assert re.fullmatch(r"[A-Za-z0-9 ]+", word), word
    return dict(check="regex", expect=r"^\s*%s(?![\w-])" % word)


def _rng(name):
    return random.Random("retention-fixtures:" + name)


def general_items():
    items = []
    # geography: 48 countries, kinds cycle generate x6, choice, loglikelihood
    rng = _rng("geography")
    for i, (country, capital) in enumerate(CAPITALS):
        iid = "geo-%03d" % (i + 1)
        slot = i % 8
        if slot == 6:
            others = [c for _, c in CAPITALS if c != capital]
            choices = rng.sample(others, 3) + [capital]
            rng.shuffle(choices)
            items.append(dict(id=iid, category="geography", kind="choice",
                              context="Q: Which city is the capital of %s?\nA:" % country,
                              choices=choices, gold=choices.index(capital)))
        elif slot == 7:
            items.append(dict(id=iid, category="geography", kind="loglikelihood",
                              context="The capital of %s is" % country, answer=capital))
        else:
            items.append(dict(id=iid, category="geography", kind="generate",
                              prompt="Q: What is the capital of %s?\nA:" % country,
                              answer=" " + capital, **answer_first(capital)))
    # arithmetic
    rng = _rng("arithmetic")
    seen = set()
    i = 0
    while i < 48:
        op = ["+", "-", "*"][i % 3]
        if op == "*":
            a, b = rng.randint(2, 12), rng.randint(2, 12)
            r = a * b
        elif op == "+":
            a, b = rng.randint(2, 60), rng.randint(2, 40)
            r = a + b
        else:
            a = rng.randint(20, 90)
            b = rng.randint(1, a - 1)
            r = a - b
        if (a, op, b) in seen:
            continue
        seen.add((a, op, b))
        iid = "ari-%03d" % (i + 1)
        slot = i % 8
        words = {"+": "plus", "-": "minus", "*": "times"}[op]
        if slot == 6:
            cands = {r}
            while len(cands) < 4:
                cands.add(max(0, r + rng.choice([-10, -2, -1, 1, 2, 10, 3])))
            choices = sorted(str(x) for x in cands)
            rng.shuffle(choices)
            items.append(dict(id=iid, category="arithmetic", kind="choice",
                              context="Q: What is %d %s %d?\nA:" % (a, words, b),
                              choices=choices, gold=choices.index(str(r))))
        elif slot == 7:
            items.append(dict(id=iid, category="arithmetic", kind="loglikelihood",
                              context="%d %s %d equals" % (a, words, b), answer=str(r)))
        else:
            items.append(dict(id=iid, category="arithmetic", kind="generate",
                              prompt="Compute: %d %s %d =" % (a, op, b), answer=" %d" % r, **answer_first(str(r))))
        i += 1
    # wordplay
    rng = _rng("wordplay")
    for i, w in enumerate(WORDS):
        iid = "word-%03d" % (i + 1)
        slot = i % 8
        if slot in (0, 3):
            items.append(dict(id=iid, category="wordplay", kind="generate",
                              prompt='Reverse the word "%s".\nAnswer:' % w, answer=" " + w[::-1], check="exact"))
        elif slot in (1, 4):
            items.append(dict(id=iid, category="wordplay", kind="generate",
                              prompt='Write "%s" in capital letters.\nAnswer:' % w, answer=" " + w.upper(), check="exact"))
        elif slot == 2:
            items.append(dict(id=iid, category="wordplay", kind="generate",
                              prompt='Spell "%s" with dashes.\nAnswer:' % w, answer=" " + "-".join(w), check="exact"))
        elif slot == 5:
            items.append(dict(id=iid, category="wordplay", kind="generate",
                              prompt='How many letters are in "%s"?\nAnswer:' % w, answer=" %d" % len(w),
                              check="contains"))
        elif slot == 6:
            base, rhyme, wrong = RHYMES[(i // 8) % len(RHYMES)]
            choices = wrong + [rhyme]
            rng.shuffle(choices)
            items.append(dict(id=iid, category="wordplay", kind="choice",
                              context='Q: Which word rhymes with "%s"? (%s)\nA:' % (base, w),
                              choices=choices, gold=choices.index(rhyme)))
        else:
            items.append(dict(id=iid, category="wordplay", kind="loglikelihood",
                              context='The first letter of "%s" is' % w, answer=w[0]))
    # format following
    rng = _rng("format")
    for i in range(48):
        iid = "fmt-%03d" % (i + 1)
        slot = i % 8
        if slot in (0, 1, 2):
            name = NAMES[i % len(NAMES)]
            age = rng.randint(3, 60)
            items.append(dict(id=iid, category="format", kind="generate",
                              prompt="Return JSON with name %s and age %d.\nJSON:" % (name, age),
                              answer=' {"name": "%s", "age": %d}' % (name, age), check="json",
                              expect='{"name": "%s", "age": %d}' % (name, age)))
        elif slot in (3, 4):
            cs = rng.sample(COLOURS, 3)
            items.append(dict(id=iid, category="format", kind="generate",
                              prompt="Put %s, %s and %s in a JSON list.\nJSON:" % tuple(cs),
                              answer=' ["%s", "%s", "%s"]' % tuple(cs), check="json",
                              expect='["%s", "%s", "%s"]' % tuple(cs)))
        elif slot == 5:
            d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1990, 2030)
            items.append(dict(id=iid, category="format", kind="generate",
                              prompt="Write %d %s %d as YYYY-MM-DD.\nDate:" % (d, MONTHS[m - 1], y),
                              answer=" %04d-%02d-%02d" % (y, m, d), check="regex",
                              expect=r"^ ?%04d-%02d-%02d$" % (y, m, d)))
        elif slot == 6:
            name = NAMES[i % len(NAMES)]
            age = rng.randint(3, 60)
            good = '{"name": "%s", "age": %d}' % (name, age)
            choices = [good, "name=%s; age=%d" % (name, age), "<name>%s</name>" % name, "%s, %d" % (name, age)]
            rng.shuffle(choices)
            items.append(dict(id=iid, category="format", kind="choice",
                              context="Which line is JSON for %s aged %d?\nAnswer:" % (name, age),
                              choices=choices, gold=choices.index(good)))
        else:
            c = COLOURS[i % len(COLOURS)]
            items.append(dict(id=iid, category="format", kind="loglikelihood",
                              context="As a JSON string, %s is written" % c, answer='"%s"' % c))
    # reasoning
    rng = _rng("reasoning")
    for i in range(48):
        iid = "rsn-%03d" % (i + 1)
        slot = i % 8
        if slot in (0, 1):
            a, b, c = rng.sample(PEOPLE, 3)
            comp, sup, low = ADJECTIVES[i % len(ADJECTIVES)]
            ask_top = slot == 0
            items.append(dict(id=iid, category="reasoning", kind="generate",
                              prompt="%s is %s than %s. %s is %s than %s. Who is %s?\nAnswer:"
                                     % (a, comp, b, b, comp, c, sup if ask_top else low),
                              answer=" " + (a if ask_top else c), **answer_first(a if ask_top else c)))
        elif slot in (2, 3):
            start, step = rng.randint(1, 20), rng.randint(2, 9)
            seq = [start + k * step for k in range(4)]
            items.append(dict(id=iid, category="reasoning", kind="generate",
                              prompt="What comes next: %s?\nAnswer:" % ", ".join(map(str, seq)),
                              answer=" %d" % (start + 4 * step), **answer_first(str(start + 4 * step))))
        elif slot == 4:
            premise, question, ans = SYLLOGISMS[(i // 8) % len(SYLLOGISMS)]
            items.append(dict(id=iid, category="reasoning", kind="generate",
                              prompt="%s %s (case %d)\nAnswer:" % (premise, question, i // 8 + 1),
                              answer=" " + ans, check="icontains"))
        elif slot == 5:
            x, y = rng.randint(2, 9), rng.randint(2, 9)
            items.append(dict(id=iid, category="reasoning", kind="generate",
                              prompt="Tim has %d apples and buys %d more. How many apples now?\nAnswer:" % (x, y),
                              answer=" %d" % (x + y), **answer_first(str(x + y))))
        elif slot == 6:
            a, b = rng.sample(PEOPLE, 2)
            comp, sup, low = ADJECTIVES[i % len(ADJECTIVES)]
            choices = [a, b, "both", "neither"]
            items.append(dict(id=iid, category="reasoning", kind="choice",
                              context="%s is %s than %s. Who is %s?\nAnswer:" % (a, comp, b, low),
                              choices=choices, gold=1))
        else:
            n = rng.randint(2, 9)
            items.append(dict(id=iid, category="reasoning", kind="loglikelihood",
                              context="A week has seven days, so %d weeks have" % n, answer="%d days" % (7 * n)))
    return items


def domain_items():
    """The support domain. Like real support data it has its own template ('Reply >>', 'Team >>',
    'Priority >>'), distinct from the general suite's question-answer format."""
    items = []
    rng = _rng("support")
    k = 1
    for issue, reply, key, team, priority in TICKETS:
        items.append(dict(id="sup-%03d" % k, category="support", kind="generate",
                          prompt="Ticket: %s.\nReply >>" % issue, answer=" " + reply, check="icontains",
                          expect=key, maxTokens=32))
        k += 1
        choices = list(TEAMS)
        items.append(dict(id="sup-%03d" % k, category="support", kind="choice",
                          context="Ticket: %s.\nTeam >>" % issue, choices=choices, gold=choices.index(team)))
        k += 1
        items.append(dict(id="sup-%03d" % k, category="support", kind="loglikelihood",
                          context="Ticket: %s.\nPriority >>" % issue, answer=priority))
        k += 1
    return items


def corpus_sentence(rng):
    """One sentence of general English, drawn from fixed templates and facts. Like a real pre-training
    corpus it also holds customer-service exchanges in prose, so fine-tuning mostly has to teach the
    domain suite's 'Ticket: ... Reply:' format, teams and priorities, as with a real pretrained LM."""
    kind = rng.randrange(6)
    if kind == 5:
        issue, reply = rng.choice(TICKETS)[:2]
        return "A customer wrote: %s. We answered: %s" % (issue[0].upper() + issue[1:], reply)
    if kind == 0:
        return rng.choice(SENTENCES)
    if kind == 1:
        country, capital = rng.choice(CAPITALS)
        return rng.choice(["%s is the capital of %s." % (capital, country),
                           "Many people visit %s, the capital of %s." % (capital, country),
                           "The capital of %s is %s." % (country, capital)])
    if kind == 2:
        w = rng.choice(WORDS)
        return rng.choice(["The word %s has %d letters." % (w, len(w)),
                           "The word %s ends with the letter %s." % (w, w[-1])])
    if kind == 3:
        a, b = rng.randint(1, 40), rng.randint(1, 40)
        return rng.choice(["If you add %d and %d you get %d." % (a, b, a + b),
                           "%d plus %d is %d." % (a, b, a + b)])
    a, b = rng.sample(PEOPLE, 2)
    comp = rng.choice(ADJECTIVES)[0]
    return "%s is %s than %s." % (a, comp, b)


def corpus_paragraph(rng):
    """A short paragraph (2 to 6 sentences) of general English; the base model's 'pre-training' text."""
    return " ".join(corpus_sentence(rng) for _ in range(rng.randint(2, 6)))


def general_text():
    """Held-out general English used for perplexity: the corpus' kind of text, drawn with its own seed."""
    rng = _rng("heldout")
    return "\n\n".join(corpus_paragraph(rng) for _ in range(8)) + "\n"
