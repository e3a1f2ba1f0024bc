--[[
title_block.lua -- the title block: authors (Quarto's author forms), the date shown the Finnish
way, and the labels the templates print.
]]

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local stringify = common.stringify

-- Quarto's author forms: "Name", {name: ..., affiliation(s): ...}, or a list.
local function normalize_authors(meta)
  local authors = meta.author
  if authors == nil then return end
  if pandoc.utils.type(authors) ~= 'List' then authors = pandoc.List({ authors }) end
  local list = pandoc.List({})
  for _, a in ipairs(authors) do
    local entry = {}
    if pandoc.utils.type(a) == 'table' then -- MetaMap
      local name = a.name
      if pandoc.utils.type(name) == 'table' then -- {given, family} or {literal}
        name = name.literal or pandoc.Inlines(stringify(name.given or '') .. ' '
          .. stringify(name.family or ''))
      end
      entry.name = name
      local aff = a.affiliations or a.affiliation
      if aff ~= nil then
        if pandoc.utils.type(aff) ~= 'List' then aff = pandoc.List({ aff }) end
        local names = {}
        for _, x in ipairs(aff) do
          table.insert(names, stringify(pandoc.utils.type(x) == 'table' and (x.name or x) or x))
        end
        entry.affiliation = pandoc.Inlines(table.concat(names, ', '))
      end
      if a.role ~= nil then entry.role = pandoc.Inlines(stringify(a.role)) end
    else
      entry.name = a
    end
    if entry.name ~= nil then
      entry['name-text'] = stringify(entry.name)
      list:insert(entry)
    end
  end
  meta['sosrap-authors'] = list
  meta['sosrap-author-label'] = #list == 1 and language.strings['title-block-author-single']
    or language.strings['title-block-author-plural']
  if FORMAT == 'docx' then
    -- Word's Author paragraphs and core properties want plain names.
    meta.author = list:map(function(e)
      local text = stringify(e.name)
      if e.role then text = text .. ' (' .. stringify(e.role) .. ')' end
      return pandoc.MetaInlines(pandoc.Inlines(text))
    end)
  end
end

-- ISO dates (2026-11-15) are shown the Finnish way (15.11.2026, also the
-- Finland-Swedish form) with lang fi or sv; anything
-- else is shown as written.  `date-iso` keeps the machine-readable form.
local function format_date(meta)
  if meta.date == nil then return end
  local text = stringify(meta.date)
  local y, m, d = text:match('^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
  if y then
    meta['date-iso'] = text
    if language.lang == 'fi' or language.lang == 'sv' then
      meta.date = pandoc.Inlines(string.format('%d.%d.%s', tonumber(d), tonumber(m), y))
    end
  end
  meta['sosrap-date-label'] = language.strings['title-block-published']
  if meta.version ~= nil then
    meta['sosrap-version-label'] = language.strings['title-block-version']
    if FORMAT == 'docx' then
      -- DOCX has no title-block field for it: the version goes with the date.
      meta.date = pandoc.Inlines(stringify(meta.date) .. ' · ' .. language.strings['title-block-version']:lower()
        .. ' ' .. stringify(meta.version))
    end
  end
end

return {
  normalize_authors = normalize_authors,
  format_date = format_date,
}
