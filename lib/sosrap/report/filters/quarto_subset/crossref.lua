--[[
crossref.lua -- floats (#fig- / #tbl-, see floats.lua) and cross-referenceable
callouts (#tip-/#nte-/#wrn-/#imp-/#cau-) numbered in document order
(number_floats), and cross-references @fig-x / @tbl-x / @tip-x ("Kuva 1",
"Taulukko 1"; resolve_crossrefs), with Quarto's `crossref:` options
(fig-prefix, tbl-prefix, fig-title, tbl-title, title-delim, ref-hyperlink).
It must run BEFORE --citeproc: it consumes only cross-reference citations.
]]

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local floats = require('quarto_subset.floats')
local fail, NBSP, SELF_NUMBERING = common.fail, common.NBSP, common.SELF_NUMBERING
local stringify, MAIN_FILE = common.stringify, common.MAIN_FILE
local problem, placeholder, where = common.problem, common.placeholder, common.where

-- Callout cross-reference kinds -> callout type (Quarto's crossref categories).
local CALLOUT_KINDS = { nte = 'note', tip = 'tip', wrn = 'warning', imp = 'important', cau = 'caution' }

local function id_kind(id)
  local kind = id:match('^(%a+)%-')
  if not kind then return nil end
  kind = kind:lower()
  if kind == 'fig' or kind == 'tbl' or CALLOUT_KINDS[kind] then return kind end
  return nil
end

-- @fig-x / @tbl-x / @tip-x (and @Fig-x, Quarto's capitalised form) are cross-references.
local function is_crossref_id(id)
  return id_kind(id) ~= nil
end

-- First file that mentions each label, for error messages later.
local REF_SITES = {}

-- The Cite function of a walk over blocks from ctx.file (it changes nothing).
local function note_refs(ctx)
  return function(c)
    for _, citation in ipairs(c.citations) do
      local id = citation.id
      if is_crossref_id(id) and not REF_SITES[id] then REF_SITES[id] = ctx.file end
    end
  end
end

-------------------------------------------------------------------------------
-- Options and titles
-------------------------------------------------------------------------------

local OPTIONS = {} -- the document's `crossref:` map, as strings

local function read_options(meta)
  OPTIONS = {}
  if meta.crossref and pandoc.utils.type(meta.crossref) == 'table' then
    for k, v in pairs(meta.crossref) do
      if type(v) == 'boolean' then OPTIONS[k] = v else OPTIONS[k] = stringify(v) end
    end
  end
end

local function kind_title(kind)
  if CALLOUT_KINDS[kind] then
    return language.get('callout-' .. CALLOUT_KINDS[kind] .. '-title', CALLOUT_KINDS[kind])
  end
  return OPTIONS[kind .. '-title'] or language.get('crossref-' .. kind .. '-title', kind)
end

local function ref_prefix(kind)
  return OPTIONS[kind .. '-prefix'] or language.get('crossref-' .. kind .. '-prefix') or kind_title(kind)
end

-------------------------------------------------------------------------------
-- Numbering
-------------------------------------------------------------------------------

local REGISTRY = {} -- label -> { kind = 'fig'|'tbl'|'tip'|…, number = n }
local COUNTS = {}

local function register(id, kind)
  if REGISTRY[id] then fail("crossref: label '%s' is used twice (%s)", id, where(MAIN_FILE, '#' .. id)) end
  COUNTS[kind] = (COUNTS[kind] or 0) + 1
  REGISTRY[id] = { kind = kind, number = COUNTS[kind] }
  return COUNTS[kind]
end

-- "Kuva 1: caption" (Quarto's HTML style; NBSP as in Quarto), or the
-- caption alone where the format numbers captions itself.
local function float_label(f, number)
  if SELF_NUMBERING[FORMAT] then return f.caption or pandoc.Inlines({}) end
  local label = pandoc.Inlines({ pandoc.Str(kind_title(f.kind) .. NBSP .. tostring(number)) })
  if f.caption and #f.caption > 0 then
    label:insert(pandoc.Str(OPTIONS['title-delim'] or ':'))
    label:insert(pandoc.Space())
    label:extend(f.caption)
  end
  return label
end

local function write_float(f)
  if not f then return nil end
  return floats.write(f, float_label(f, register(f.id, f.kind)))
end

local function number_floats(doc)
  read_options(doc.meta)
  -- One bottom-up pass: siblings left to right, nested before their parents.
  return doc:walk({
    Div = function(div)
      local kind = id_kind(div.identifier)
      if kind and CALLOUT_KINDS[kind] then
        register(div.identifier, kind)           -- callouts.lua writes the title
        return nil
      end
      return write_float(floats.from_div(div))
    end,
    Figure = function(fig) return write_float(floats.from_figure(fig)) end,
    Table = function(tbl) return write_float(floats.from_table(tbl)) end,
    Para = function(para) return write_float(floats.from_linked_image(para)) end,
    Plain = function(para) return write_float(floats.from_linked_image(para)) end,
  })
end

-------------------------------------------------------------------------------
-- References
-------------------------------------------------------------------------------

local function crossref_link(citation)
  local id = citation.id:gsub('^(%u)', string.lower) -- @Fig-x: same label
  local entry = REGISTRY[id]
  if not entry then
    local file = REF_SITES[citation.id] or MAIN_FILE
    problem("crossref: unknown label '@%s' (in %s): nothing has the id #%s",
      citation.id, where(file, '@' .. citation.id), id)
    return placeholder('@' .. citation.id)
  end
  local number = tostring(entry.number)
  local text
  if citation.mode == 'SuppressAuthor' then
    text = pandoc.Inlines({ pandoc.Str(number) })            -- [-@fig-x] -> "1"
  elseif #citation.prefix > 0 then
    text = citation.prefix:clone()                           -- [kuvassa @fig-x]
    text:insert(pandoc.Str(NBSP .. number))
  else
    text = pandoc.Inlines({ pandoc.Str(ref_prefix(entry.kind) .. NBSP .. number) })
  end
  text:extend(citation.suffix)
  if OPTIONS['ref-hyperlink'] == false then return text end
  return pandoc.Inlines({ pandoc.Link(text, '#' .. id, '', pandoc.Attr('', { 'quarto-xref' })) })
end

local function resolve_crossrefs(doc)
  return doc:walk({
    Cite = function(cite)
      local links, rest = pandoc.Inlines({}), {}
      for _, citation in ipairs(cite.citations) do
        if is_crossref_id(citation.id) then
          if #links > 0 then links:extend({ pandoc.Str(','), pandoc.Space() }) end
          links:extend(crossref_link(citation))
        else
          table.insert(rest, citation)
        end
      end
      if #links == 0 then return nil end
      if #rest > 0 then
        -- Mixed "[@fig-x; @smith2020]": keep the real citations for citeproc.
        links:extend({ pandoc.Str(';'), pandoc.Space(), pandoc.Cite({}, rest) })
      end
      return links
    end,
  })
end

return {
  is_crossref_id = is_crossref_id,
  note_refs = note_refs,
  number_floats = number_floats,
  resolve_crossrefs = resolve_crossrefs,
  REGISTRY = REGISTRY,
  kind_title = kind_title,
}
