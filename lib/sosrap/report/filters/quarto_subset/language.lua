--[[
language.lua -- pass 1: the language strings (`lang`, `language:`) and metadata defaults.
]]

local stringify = pandoc.utils.stringify

-------------------------------------------------------------------------------
-- Language strings: values copied from Quarto's language files
-- (src/resources/language/_language-fi.yml and _language.yml).
-------------------------------------------------------------------------------

local LANGUAGES = {
  fi = {
    ['crossref-fig-title'] = 'Kuva',
    ['crossref-tbl-title'] = 'Taulukko',
    ['callout-note-title'] = 'Huomautus',
    ['callout-tip-title'] = 'Vihje',
    ['callout-warning-title'] = 'Varoitus',
    ['callout-important-title'] = 'Tärkeää',
    ['callout-caution-title'] = 'Vaara',
    ['toc-title-document'] = 'Sisällysluettelo',
    ['section-title-references'] = 'Lähteet',
    ['title-block-author-single'] = 'Tekijä',
    ['title-block-author-plural'] = 'Tekijät',
    ['title-block-published'] = 'Julkaistu',
    ['title-block-version'] = 'Versio',
  },
  en = {
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
  },
}

-- The strings in use: chosen from `lang` by apply(); other passes read M.strings.
local M = { LANGUAGES = LANGUAGES, strings = LANGUAGES.fi }

local function set_default(meta, key, value)
  if meta[key] == nil then meta[key] = value end
end

-------------------------------------------------------------------------------
-- The pass: `lang` picks the strings; defaults for the TOC and references title
-------------------------------------------------------------------------------

function M.apply(meta)
  local lang = meta.lang and stringify(meta.lang) or 'fi'
  M.strings = LANGUAGES[lang:match('^(%a+)')] or LANGUAGES.en
  local STRINGS = M.strings
  -- Explicit `language:` overrides, as in Quarto (e.g. crossref-fig-title).
  if meta.language and pandoc.utils.type(meta.language) == 'table' then
    for k, v in pairs(meta.language) do STRINGS[k] = stringify(v) end
  end
  set_default(meta, 'toc-title', pandoc.Inlines(STRINGS['toc-title-document']))
  set_default(meta, 'reference-section-title', pandoc.Inlines(STRINGS['section-title-references']))
  set_default(meta, 'link-citations', true)
end

return M
