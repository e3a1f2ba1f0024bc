--[[
language.lua -- pass 1: the language strings (`lang`, `language:`) and metadata defaults.

The strings come from sosrap.report.language (sosrap's catalogue, overlaid by
Quarto's translation files when configured), merged for the document's `lang`
and passed as JSON in env SOSRAP_LANGUAGE_JSON.  The document's `language:`
map is applied on top here, as in Quarto.  Without the file (the filter run by
hand) the English strings below are used.
]]

local stringify = pandoc.utils.stringify
local read_file = require('quarto_subset.common').read_file

local ENGLISH = {
  ['crossref-fig-title'] = 'Figure',
  ['crossref-tbl-title'] = 'Table',
  ['callout-note-title'] = 'Note',
  ['callout-tip-title'] = 'Tip',
  ['callout-warning-title'] = 'Warning',
  ['callout-important-title'] = 'Important',
  ['callout-caution-title'] = 'Caution',
  ['toc-title-document'] = 'Table of contents',
  ['section-title-references'] = 'References',
  ['title-block-author-single'] = 'Author',
  ['title-block-author-plural'] = 'Authors',
  ['title-block-published'] = 'Published',
  ['title-block-version'] = 'Version',
}

-- The strings in use, set by apply(); other passes read M.strings (or M.get).
local M = { strings = ENGLISH }

local function load_strings()
  local path = os.getenv('SOSRAP_LANGUAGE_JSON')
  local text = path and path ~= '' and read_file(path)
  if not text then
    local copy = {}
    for k, v in pairs(ENGLISH) do copy[k] = v end
    return copy
  end
  return pandoc.json.decode(text, false)
end

-- A string by key; `fallback` when no language file has it.
function M.get(key, fallback)
  local v = M.strings[key]
  if v == nil then return fallback end
  return v
end

local function set_default(meta, key, value)
  if meta[key] == nil then meta[key] = value end
end

function M.apply(meta)
  M.strings = load_strings()
  M.lang = (meta.lang and stringify(meta.lang) or ''):match('^(%a+)') or ''
  local STRINGS = M.strings
  -- Explicit `language:` overrides, as in Quarto (e.g. crossref-fig-title).
  if meta.language and pandoc.utils.type(meta.language) == 'table' then
    for k, v in pairs(meta.language) do STRINGS[k] = stringify(v) end
  end
  set_default(meta, 'toc-title', pandoc.Inlines(STRINGS['toc-title-document'] or 'Table of contents'))
  set_default(meta, 'reference-section-title', pandoc.Inlines(STRINGS['section-title-references'] or 'References'))
  set_default(meta, 'link-citations', true)
end

return M
