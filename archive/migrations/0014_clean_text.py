"""No control or bidirectional override characters in any text (archive/models/text.py): the
fields' validators (state only: no column changes), and the database's own refusal
(archive/db/clean_text.py: a CHECK per table on PostgreSQL, triggers on SQLite)."""

import django.core.validators
from django.db import migrations, models

import archive.models.text
from archive import db


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0011_quote_source_url"),
    ]

    operations = [
        migrations.AlterField(
            model_name="affiliation",
            name="organization",
            field=models.CharField(max_length=200, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="affiliation",
            name="role",
            field=models.CharField(blank=True, max_length=200, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="collection",
            name="description",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="collection",
            name="prompt",
            field=models.TextField(
                blank=True,
                help_text="The question the collection asked its contributors.",
                validators=[archive.models.text.PrintableText()],
            ),
        ),
        migrations.AlterField(
            model_name="collection",
            name="title",
            field=models.CharField(max_length=300, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="collection",
            name="url",
            field=models.URLField(blank=True, max_length=500, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="expert",
            name="bio",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="expert",
            name="homepage",
            field=models.URLField(blank=True, max_length=500, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="expert",
            name="name",
            field=models.CharField(max_length=200, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="expert",
            name="social_handle",
            field=models.CharField(
                blank=True,
                help_text='For example "@mllesookim" on Twitter.',
                max_length=100,
                validators=[archive.models.text.PrintableText()],
            ),
        ),
        migrations.AlterField(
            model_name="expert",
            name="sort_name",
            field=models.CharField(
                help_text='How the name sorts: "Kim, Soo" for Soo Kim; "Kim Jong Un" stays as it is.',
                max_length=200,
                validators=[archive.models.text.PrintableText()],
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="note",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="publication",
            name="country",
            field=models.CharField(blank=True, max_length=100, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="publication",
            name="description",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="publication",
            name="homepage",
            field=models.URLField(blank=True, max_length=500, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="publication",
            name="name",
            field=models.CharField(max_length=200, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="question",
            name="description",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="question",
            name="short_label",
            field=models.CharField(blank=True, max_length=100, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="question",
            name="text",
            field=models.CharField(max_length=300, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="quote",
            name="source_url",
            field=models.URLField(
                blank=True,
                db_default="",
                default="",
                help_text="The page the quote's text was read on (the original or a faithful republished copy).",
                max_length=1000,
                validators=[archive.models.text.PrintableText()],
                verbose_name="read at",
            ),
        ),
        migrations.AlterField(
            model_name="quote",
            name="text",
            field=models.TextField(
                validators=[archive.models.text.PrintableText(), django.core.validators.MaxLengthValidator(20000)]
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="note",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="stance",
            name="label",
            field=models.CharField(max_length=100, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="stance",
            name="meaning",
            field=models.CharField(
                blank=True,
                help_text="What holding this stance means, in one line.",
                max_length=300,
                validators=[archive.models.text.PrintableText()],
            ),
        ),
        migrations.AlterField(
            model_name="take",
            name="archived_url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[archive.models.text.PrintableText()],
                verbose_name="archived copy URL",
            ),
        ),
        migrations.AlterField(
            model_name="take",
            name="body",
            field=models.TextField(
                blank=True,
                validators=[archive.models.text.PrintableText(), django.core.validators.MaxLengthValidator(100000)],
                verbose_name="full text",
            ),
        ),
        migrations.AlterField(
            model_name="take",
            name="language",
            field=models.CharField(default="en", max_length=10, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="take",
            name="standfirst",
            field=models.TextField(
                blank=True,
                help_text="The deck or subtitle under the headline.",
                validators=[archive.models.text.PrintableText(), django.core.validators.MaxLengthValidator(5000)],
            ),
        ),
        migrations.AlterField(
            model_name="take",
            name="summary",
            field=models.TextField(
                blank=True,
                validators=[archive.models.text.PrintableText(), django.core.validators.MaxLengthValidator(20000)],
                verbose_name="editor's summary",
            ),
        ),
        migrations.AlterField(
            model_name="take",
            name="title",
            field=models.CharField(max_length=500, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="take",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[archive.models.text.PrintableText()],
                verbose_name="original URL",
            ),
        ),
        migrations.AlterField(
            model_name="theme",
            name="description",
            field=models.TextField(blank=True, validators=[archive.models.text.PrintableText()]),
        ),
        migrations.AlterField(
            model_name="theme",
            name="name",
            field=models.CharField(max_length=100, unique=True, validators=[archive.models.text.PrintableText()]),
        ),
        db.run_python("clean text"),
    ]
