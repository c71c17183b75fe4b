"""Statistical methods of the anchors.

PHEindicatormethods, Fingertips, FunnelPlotR and NHSRplotthedots.

Every function is vectorised over whole columns (numpy arrays or pandas Series); none loops per row.
"""
