"""The editors' admin. Each model family has its module; this one registers them all, in one place.

- ``takes``: the take screen (form, list, preview, history, publish actions), themes, quotes, positions;
- ``take_inlines``: the take screen's authors, quotes, positions and responses;
- ``experts``, ``outlets`` (publications, collections), ``stances`` (questions, stances, responses);
- ``base``: the shared base class, count columns and the full-text search box.
"""

from django.contrib import admin

from archive.admin.experts import ExpertAdmin
from archive.admin.outlets import CollectionAdmin, PublicationAdmin
from archive.admin.stances import QuestionAdmin, ResponseAdmin, StanceAdmin
from archive.admin.takes import PositionAdmin, QuoteAdmin, TakeAdmin, ThemeAdmin
from archive.models import Collection, Expert, Position, Publication, Question, Quote, Response, Stance, Take, Theme

admin.site.site_header = "Hanoi Summit archive"
admin.site.site_title = "Hanoi Summit archive"
admin.site.index_title = "Editing the archive"

admin.site.register(Publication, PublicationAdmin)
admin.site.register(Expert, ExpertAdmin)
admin.site.register(Collection, CollectionAdmin)
admin.site.register(Theme, ThemeAdmin)
admin.site.register(Question, QuestionAdmin)
admin.site.register(Stance, StanceAdmin)
admin.site.register(Take, TakeAdmin)
admin.site.register(Quote, QuoteAdmin)
admin.site.register(Position, PositionAdmin)
admin.site.register(Response, ResponseAdmin)
