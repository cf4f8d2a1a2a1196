"""Make a large, realistic import document, for the import benchmark and for tests with a small N.

    .venv/bin/python tests/generate_import.py 100000 /tmp/takes-100k.json
    .venv/bin/python tests/generate_import.py 10000 /tmp/experts.json 200000   # 200,000 experts

The optional third argument is the number of experts (by default one for twenty takes, at least ten).
    time .venv/bin/python manage.py import_takes /tmp/takes-100k.json

Each take has one or two authors, two quotes (one headline), one or two positions with evidence,
usually a response (often to another take of the file), and a couple of themes.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator

WORDS = [
    "summit",
    "denuclearization",
    "sanctions",
    "Yongbyon",
    "missile",
    "diplomacy",
    "alliance",
    "deterrence",
    "verification",
    "Pyongyang",
    "Washington",
    "Seoul",
    "Beijing",
    "talks",
    "deal",
    "walkout",
    "negotiation",
    "freeze",
    "inspection",
    "regime",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def build(takes: int, seed: int = 2019, experts: int | None = None) -> dict:
    """The whole document in memory (for tests with a small N)."""
    document, take_items = parts(takes, seed, experts)
    document["takes"] = list(take_items)
    return document


def parts(takes: int, seed: int = 2019, experts: int | None = None) -> tuple[dict, Iterator[dict]]:
    """The document without its takes, and the takes one at a time (the same as ``build``'s)."""
    rng = random.Random(seed)
    experts = max(10, takes // 20) if experts is None else experts
    publications = max(3, takes // 200)
    questions = [
        {
            "slug": f"question-{q}",
            "text": f"Benchmark question {q}?",
            "order": q,
            "stances": [{"slug": f"s{s}", "label": f"Stance {s}", "meaning": "", "position": s} for s in range(4)],
        }
        for q in range(5)
    ]
    document = {
        "publications": [
            {"slug": f"outlet-{p}", "name": f"Outlet {p}", "kind": "think-tank", "country": "Nowhere"}
            for p in range(publications)
        ],
        "experts": [
            {
                "slug": f"expert-{e}",
                "name": f"Expert {e}",
                "sort_name": f"{e:06d}, Expert",
                "affiliations": [{"organization": f"Institute {e % 50}", "role": "Fellow", "current": True}],
            }
            for e in range(experts)
        ],
        "questions": questions,
        "collections": [{"slug": "benchmark-series", "title": "A benchmark series", "publication": "outlet-0"}],
        "themes": [{"slug": f"theme-{t}", "name": f"Theme {t}"} for t in range(20)],
        "takes": [],
    }
    return document, _takes(rng, takes, experts, publications)


def _takes(rng: random.Random, takes: int, experts: int, publications: int) -> Iterator[dict]:
    for n in range(takes):
        authors = rng.sample(range(experts), rng.choice((1, 1, 2)))
        year, month, day = 2019, rng.randint(1, 12), rng.randint(1, 28)
        published = rng.choice((f"{year}-{month:02d}-{day:02d}", f"{year}-{month:02d}", f"{year}"))
        take = {
            "slug": f"take-{n}",
            "title": f"Take {n}: {sentence(rng, 6)}",
            "url": f"https://example.org/takes/{n}",
            "publication": f"outlet-{rng.randrange(publications)}",
            "authors": [f"expert-{a}" for a in authors],
            "published": published,
            "kind": rng.choice(("op-ed", "analysis", "blog-post")),
            "collection": "benchmark-series" if n % 10 == 0 else None,
            "summary": sentence(rng, 20),
            "body": " ".join(sentence(rng, 12) for _ in range(8)),
            "status": "published" if n % 5 else "draft",
            "themes": [f"Theme {t}" for t in rng.sample(range(20), 2)],
            "quotes": [
                {"text": sentence(rng, 14), "speaker": f"expert-{authors[0]}", "headline": True},
                {"text": sentence(rng, 10), "speaker": f"expert-{rng.randrange(experts)}", "headline": False},
            ],
            "positions": [
                {"question": f"question-{q}", "stance": f"s{rng.randrange(4)}", "confidence": "high", "quote": 0}
                for q in rng.sample(range(5), rng.choice((1, 2)))
            ],
            "responses": [],
        }
        if n and rng.random() < 0.7:
            take["responses"].append(
                {
                    "expert": f"expert-{rng.randrange(experts)}",
                    "relation": rng.choice(("agrees", "disputes", "cites")),
                    "take": f"take-{rng.randrange(n)}",
                    "quote": 1,
                }
            )
        yield take


def main() -> None:
    """Write the file a take at a time (a 1,000,000-take file is ~2 GB): the same text as
    ``json.dump(build(count))``."""
    count, path = int(sys.argv[1]), sys.argv[2]
    experts = int(sys.argv[3]) if len(sys.argv) > 3 else None
    document, takes = parts(count, experts=experts)
    head = json.dumps(document, ensure_ascii=False)
    assert head.endswith('"takes": []}')
    with open(path, "w", encoding="utf-8") as out:
        out.write(head[: -len("]}")])
        for n, take in enumerate(takes):
            out.write(", " if n else "")
            json.dump(take, out, ensure_ascii=False)
        out.write("]}")


if __name__ == "__main__":
    main()
