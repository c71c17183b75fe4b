"""Statistical methods of the anchors.

PHEindicatormethods, Fingertips, FunnelPlotR and NHSRplotthedots, re-implemented so that every
function is vectorised over whole columns (numpy arrays or pandas Series); none loops per row.

Modules: ``ci`` (confidence intervals), ``compare`` (benchmarking, quantiles, goals), ``funnel``
(PHE and overdispersed funnels), ``trend`` (Fingertips recent trend), ``spc`` (XmR charts) and
``ranks`` (rank intervals). See ``README.md`` here for methods, references and deviations, and
``make parity`` (``tests/parity/``) for the comparison with the reference outputs.
"""
