from django.core.management.base import BaseCommand

from archive.editors import ensure_editors_group


class Command(BaseCommand):
    help = 'Create (or repair) the "Editors" group: add and change archive content, no deleting, no user management.'

    def handle(self, *args, **options) -> None:
        group = ensure_editors_group()
        self.stdout.write(f'Group "{group.name}" has {group.permissions.count()} permissions.')
