"""The reader's way through (issue 15): every theme has a name readers see, and opposition between
stances is stated per pair.

- Themes created from a take's list by slug had their slug as their name (``arms-control``). Their
  names are filled (the five of the starter collection by the editors' names, any other by its slug
  made readable), then a constraint keeps a name that is only the slug out.
- ``Stance.opposes``: which stances of a question say the opposite of which (symmetrical). The
  shipped questions' pairs are set here for archives that already hold them (a fresh archive gets
  them from fixtures/seed.json); About the data lists them.
"""

from django.db import migrations, models

#: The editors' names for the themes the starter collection names by slug.
THEME_NAMES = {
    "alliance": "Alliances",
    "arms-control": "Arms control",
    "human-rights": "Human rights",
    "japan": "Japan",
    "russia": "Russia",
}

#: (question, stance, stance it opposes), by slug: the editors' reading of the shipped questions.
OPPOSED = [
    ("why-no-deal", "north-korea-overreached", "washington-overreached"),
    ("will-kim-denuclearize", "never", "possible-with-right-deal"),
    ("walking-away", "right-to-walk", "missed-opportunity"),
    ("walking-away", "missed-opportunity", "summit-was-premature"),
    ("washington-next", "maximum-pressure", "step-by-step"),
    ("washington-next", "maximum-pressure", "arms-control"),
    ("pyongyang-next", "return-to-provocations", "seek-another-summit"),
    ("sanctions", "keep-until-denuclearization", "trade-for-steps"),
    ("sanctions", "keep-until-denuclearization", "cannot-compel"),
]


def name_themes(apps, schema_editor):
    from archive.models import theme_display_name

    Theme = apps.get_model("archive", "Theme")
    taken = set(Theme.objects.values_list("name", flat=True))
    for theme in Theme.objects.filter(name=models.F("slug")):
        name = THEME_NAMES.get(theme.slug) or theme_display_name(theme.slug)
        if name == theme.slug or name in taken:
            name = f"{name} (theme)"
        theme.name = name
        theme.save(update_fields=["name"])
        taken.add(name)


def state_oppositions(apps, schema_editor):
    Stance = apps.get_model("archive", "Stance")
    for question, one, other in OPPOSED:
        pair = list(Stance.objects.filter(question__slug=question, slug__in=[one, other]))
        if len(pair) == 2:
            pair[0].opposes.add(pair[1])


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_clean_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="stance",
            name="opposes",
            field=models.ManyToManyField(
                blank=True,
                help_text="The stances of the same question that say the opposite of this one (About the data explains).",
                to="archive.stance",
            ),
        ),
        migrations.RunPython(name_themes, migrations.RunPython.noop),
        migrations.RunPython(state_oppositions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="theme",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("name", ""), _negated=True), models.Q(("name", models.F("slug")), _negated=True)
                ),
                name="theme_has_display_name",
            ),
        ),
    ]
