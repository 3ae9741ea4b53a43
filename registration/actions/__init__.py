"""Actions: one function per thing an actor does (book, cancel, revoke, set a day, enrol a
device, purge, search...).

An action takes the :class:`~registration.actions.actors.Actor`, normalises its input
once, calls the services (which hold the rules), writes the audit entry and returns what
it made. Visitor pages, the staff console, the JSON API and the CLI are thin adapters: they
parse their input, call the action inside one :func:`~registration.actions.unit.unit_of_work`
(the only commit) and present the result. See docs/architecture.md.
"""
