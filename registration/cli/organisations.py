"""`fairgate org`: the review of organisations from the command line (list, approve,
reject), audited as ``cli:<login>`` like the review page's decisions
(docs/credentials.md "Review")."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from registration.actions import organisations as organisation_actions
from registration.actions.actors import Actor
from registration.cli.common import transaction
from registration.models import OrganisationKind, ReviewStatus
from registration.services import organisations as organisation_service


@click.group("org")
def org_group():
    """Organisations: exhibitors, institutions, media outlets."""


@org_group.command("list")
@click.option("--status", type=click.Choice([status.value for status in ReviewStatus]),
              default=None, help="Only organisations in this state (e.g. pending).")
@click.option("--kind", type=click.Choice([kind.value for kind in OrganisationKind]),
              default=None)
@with_appcontext
def list_organisations(status, kind):
    """Organisations oldest first (contact masked)."""
    with transaction():
        found = organisation_service.list_organisations(status=status, kind=kind)
        rows = [_row(organisation) for organisation in found]
    click.echo("code\tstatus\tkind\tcountry\tregistered (UTC)\tstand\tbadges\tname\tcontact")
    for row in rows:
        click.echo("\t".join(row))


def _row(organisation) -> list[str]:
    stand = "-"
    if organisation.stand_venue is not None:
        stand = (f"{organisation.stand_venue.code} {organisation.stand_hall} "
                 f"{organisation.stand_area_m2:g}m²")
    badges = "-" if organisation.badge_quota is None else \
        f"{organisation.badges_used}/{organisation.badge_quota}"
    return [organisation.code, organisation.status.value, organisation.kind.value,
            organisation.country, f"{organisation.created_at:%Y-%m-%d %H:%M}", stand, badges,
            f"{organisation.name_zh} / {organisation.name_en}",
            organisation.contact_name_masked]


@org_group.command("approve")
@click.argument("code")
@click.option("--badge-quota", type=int, default=None,
              help="Exhibitors: badges allowed (default: one per EXHIBITOR_M2_PER_BADGE m² of "
                   "stand). On an approved exhibitor: its new quota.")
@with_appcontext
def approve(code, badge_quota):
    """Approve a pending organisation; its contact is mailed a sign-in link."""
    with transaction():
        organisation = organisation_service.find_by_code(code)
        was = organisation.status
        organisation_actions.approve(Actor.operator(), organisation, badge_quota=badge_quota)
    quota = "" if organisation.badge_quota is None else \
        f", badge quota {organisation.badge_quota} / 证件配额 {organisation.badge_quota}"
    if was is ReviewStatus.APPROVED:
        click.echo(f"{organisation.code}: badge quota set{quota}")
    else:
        click.echo(f"{organisation.code} approved / 已通过{quota}")


@org_group.command("reject")
@click.argument("code")
@click.option("--reason", required=True,
              help="Shown to the applicant as typed (write it in their language).")
@with_appcontext
def reject(code, reason):
    """Reject a pending organisation; its contact is mailed the reason."""
    with transaction():
        organisation = organisation_service.find_by_code(code)
        organisation_actions.reject(Actor.operator(), organisation, reason=reason)
    click.echo(f"{organisation.code} rejected / 未通过")
