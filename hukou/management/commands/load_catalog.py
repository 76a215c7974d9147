from django.core.management.base import BaseCommand, CommandError

from hukou.services import CatalogError, catalog_load


class Command(BaseCommand):
    help = "Load the service catalog from hukou/catalog/*.yaml (idempotent; changed files become new versions)."

    def handle(self, *args, **options):
        try:
            report = catalog_load()
        except CatalogError as exc:
            raise CommandError(f"Catalog not loaded: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Catalog loaded: {len(report.created)} new, {len(report.new_versions)} new versions, "
                f"{len(report.unchanged)} unchanged."
            )
        )
        for code in report.new_versions:
            self.stdout.write(f"  new version: {code}")
