"""Publication: wording, figures, pages and the website.

* :mod:`helpers.publish.text`: every label, badge and number format the pages use.
* :mod:`helpers.publish.periods`: what a year holds, in words: the metrics scored each year
  and the years a metric covers only in part.
* :mod:`helpers.publish.figures`: what the seaborn charts share (colours and markers, the theme,
  saving without timestamps, the report cards' canvases, drawing in parallel processes).
* :mod:`helpers.publish.figures_metric`: the metric pages' and league tables' charts (every
  organisation at once), each with alt text written from its data.
* :mod:`helpers.publish.figures_card`: the report cards' trend, spine and SPC charts (one
  organisation), each with alt text written from its data.
* :mod:`helpers.publish.figures_phone`: the report cards' charts laid out for a phone, and the
  ``<picture>`` that shows them there.
* :mod:`helpers.publish.pages`: an assessment's pages (overview, metric pages, league pages,
  methodology, downloads) from its result tables, through the Jinja2 templates in
  ``templates/``; :mod:`helpers.publish.card_pages` its report cards;
  :mod:`helpers.publish.page_rows` the result and plan rows both show.
* :mod:`helpers.publish.context`: :class:`~helpers.publish.context.SiteContext`, everything the
  pages are made from, and reading it from a run folder.
* :mod:`helpers.publish.assessment_views`, :mod:`helpers.publish.league_views`,
  :mod:`helpers.publish.methodology_views`: what the pages show of the assessment (report card
  and overview; league pages; the methodology's NOF reproduction and sensitivity).
* :mod:`helpers.publish.disclosure`: disclosure control: the small counts (and their
  complements) withheld from everything published, the public version of each result table,
  and the analyst's private log.
* :mod:`helpers.publish.workbook`: every result table in one Excel workbook, with a README
  sheet and the data dictionary of the metrics.
* :mod:`helpers.publish.sites`: the hospitals of each trust on its report card (search by
  hospital).
* :mod:`helpers.publish.site_index`: the site-wide sidebar, home page and Quarto profile.
* :mod:`helpers.publish.render`: ``quarto render``, or the labelled preview renderer.
"""
