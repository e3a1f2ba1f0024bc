--[[
main.lua -- the subset of Quarto that sosrap reports use, for plain pandoc.

Quarto cannot be installed on the build machines, so the same report sources
must also render with pandoc 3.9 alone.  This filter implements, as faithfully
as is practical, exactly the Quarto features the reports rely on:

  * {{< include path >}}   include another Markdown file (nested, cycle-checked)
  * {{< var key.sub >}}    a value from _variables.yml (dotted keys)
  * {{< meta key >}}       a document metadata value
  * {{< embed nb.ipynb#label >}}  the OUTPUTS of an executed notebook cell,
                           with fig-cap / fig-alt / tbl-cap from its `#|` lines
  * {{< pagebreak >}}
  * figures / tables with #fig- / #tbl- identifiers, numbered in document
    order, and cross-references @fig-x / @tbl-x ("Kuva 1", "Taulukko 1")
  * callouts (.callout-note/tip/warning/caution/important), Finnish titles
  * the #sosrap-notice block, placed by the template right after the title
  * language defaults (TOC title, "Lähteet", author/date labels)

Like Quarto's own filters, this file only loads small single-purpose passes
(one file each, next to it) and runs them in order:

  language      `lang` strings and metadata defaults
  license       `license:` / `copyright:` normalised as Quarto does
  expand        shortcodes, file by file (shortcodes, var, meta, embed;
                include and pagebreak live in expand itself)
  headings      duplicate heading ids numbered
  crossref      floats (floats.lua: Quarto's float model and HTML) and
                callouts with ids numbered; @fig-/@tbl-/@tip- resolved
  callouts      callout boxes with titles
  notice        the data notice after the title block
  tables        (html) Bootstrap table classes; wide tables keyboard-scrollable
  title_block   authors, date and labels for the templates
  deferred      (html) the data downloads' URIs and the local images left
                for sosrap.render to write in after pandoc

It must run BEFORE --citeproc: it consumes only @fig-/@tbl- citations, so
citeproc never reports them as missing and still sees real citations.

Inputs besides the document:
  * env SOSRAP_VARIABLES_JSON: path to a JSON dump of _variables.yml made by
    sosrap.render (exact strings).  Without it the filter falls back to reading
    _variables.yml next to the main input through pandoc's YAML parser.
  * env SOSRAP_LANGUAGE_JSON: the language strings for `lang` (sosrap.report.language).
  * env SOSRAP_DRAFT: non-empty for a draft (see common.problem).
  * env SOSRAP_DEFERRED_FILE, SOSRAP_DEFERRED_PREFIX, SOSRAP_DEFERRED_IMAGES: (HTML)
    the data downloads' data: URIs and the local images go to that file and
    sosrap.render writes them in after pandoc (deferred.lua).

Every problem in the sources is a hard error (error(msg, 0)), so pandoc exits
non-zero and sosrap.render raises RenderError with the message; in a draft an
unknown label, var or meta key is a warning and Quarto's placeholder instead
(?@fig-x, ?var:key, ?meta:key).  Messages name the file and line (and
label/key) so a report editor can find the mistake.
]]

-- The passes are modules `quarto_subset.<pass>` in the folder above this one.
local FILTERS_DIR = pandoc.path.directory(pandoc.path.directory(PANDOC_SCRIPT_FILE))
package.path = pandoc.path.join({ FILTERS_DIR, '?.lua' }) .. ';' .. package.path

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local meta = require('quarto_subset.meta')
local license = require('quarto_subset.license')
local expand = require('quarto_subset.expand')
local headings = require('quarto_subset.headings')
local crossref = require('quarto_subset.crossref')
local callouts = require('quarto_subset.callouts')
local notice = require('quarto_subset.notice')
local title_block = require('quarto_subset.title_block')
local tables = require('quarto_subset.tables')
local deferred = require('quarto_subset.deferred')

local MAIN_FILE = common.MAIN_FILE

function Pandoc(doc)
  meta.doc_meta = doc.meta
  language.apply(doc.meta)
  license.normalize(doc.meta)
  doc.meta = expand.expand_meta(doc.meta)
  meta.doc_meta = doc.meta

  doc.blocks = expand.process_blocks(doc.blocks, { file = MAIN_FILE, stack = { MAIN_FILE } })
  doc = headings.dedupe_header_ids(doc)
  doc = crossref.number_floats(doc)
  doc = crossref.resolve_crossrefs(doc)
  doc = doc:walk({ Div = callouts.render_callout })
  doc = notice.extract_notice(doc)
  if FORMAT:match('html') then
    doc = tables.html_tables(doc)
  end

  title_block.normalize_authors(doc.meta)
  title_block.format_date(doc.meta)
  doc = deferred.images(doc)
  deferred.write()
  return doc
end
