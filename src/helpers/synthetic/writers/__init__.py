"""The writers of the published-statistics files, one function per publication, sharing an
:class:`~helpers.synthetic.writers.context.Output` (the world, the folder, the row counts and
the plans collected on the way).

Modules: ``context`` (the shared :class:`Output`), ``reference`` (organisations, successions,
population, plans, local priorities and the planted truth), ``ae`` (A&E attendances),
``waits`` (RTT, cancer and diagnostic waiting times), ``quality`` (patient surveys,
infections and bed days), ``workforce`` (sickness absence and the staff survey), ``finance``
(plans and outturn, cost index) and ``icb`` (the commissioners' metrics).
"""
