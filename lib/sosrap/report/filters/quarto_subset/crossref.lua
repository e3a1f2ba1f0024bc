--[[
crossref.lua -- figures and tables with #fig- / #tbl- identifiers, numbered in document
order (number_floats), and cross-references @fig-x / @tbl-x ("Kuva 1", "Taulukko 1";
resolve_crossrefs). It must run BEFORE --citeproc: it consumes only @fig-/@tbl- citations.
]]

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local fail, NBSP, SELF_NUMBERING = common.fail, common.NBSP, common.SELF_NUMBERING
local first_table, MAIN_FILE = common.first_table, common.MAIN_FILE

-- @fig-x / @tbl-x (and @Fig-x, Quarto's capitalised form) are cross-references.
local function is_crossref_id(id)
  return id:match('^[Ff]ig%-') ~= nil or id:match('^[Tt]bl%-') ~= nil
end

-- First file that mentions each @fig-/@tbl- label, for error messages later.
local REF_SITES = {}

local function note_refs(block, ctx)
  block:walk({
    Cite = function(c)
      for _, citation in ipairs(c.citations) do
        local id = citation.id
        if is_crossref_id(id) and not REF_SITES[id] then REF_SITES[id] = ctx.file end
      end
    end,
  })
end

-------------------------------------------------------------------------------
-- Figures and tables written as Quarto Divs: ::: {#fig-x} ... caption :::
-------------------------------------------------------------------------------

local function div_to_float(div)
  local id = div.identifier
  local blocks = div.content
  local last = blocks[#blocks]
  if id:match('^fig%-') then
    if #blocks < 2 or last.t ~= 'Para' then return nil end
    local body = pandoc.Blocks({ table.unpack(blocks, 1, #blocks - 1) })
    -- A lone image paragraph inside the div would itself become a Figure;
    -- unwrap it so there is one figure with the div's caption.
    if #body == 1 and body[1].t == 'Figure' then
      body = body[1].content
    end
    return pandoc.Figure(body, { pandoc.Plain(last.content) }, pandoc.Attr(id, div.classes, div.attributes))
  elseif id:match('^tbl%-') then
    local tbl = first_table(blocks)
    if not tbl then return nil end
    tbl.attr.identifier = id
    if #tbl.caption.long == 0 and last.t == 'Para' then
      tbl.caption.long = { pandoc.Plain(last.content) }
    end
    return tbl
  end
  return nil
end

-------------------------------------------------------------------------------
-- Numbering and cross-references
-------------------------------------------------------------------------------

local REGISTRY = {} -- label -> { kind = 'fig'|'tbl', number = n }

local function kind_title(kind)
  return kind == 'fig' and language.strings['crossref-fig-title'] or language.strings['crossref-tbl-title']
end

-- "Kuva 1: " before the caption (Quarto's HTML style; NBSP as in Quarto).
local function prefix_caption(blocks, kind, number)
  local label = kind_title(kind) .. NBSP .. tostring(number)
  if #blocks == 0 then return { pandoc.Plain({ pandoc.Str(label) }) } end
  local first = blocks[1]
  if first.t == 'Plain' or first.t == 'Para' then
    local content = pandoc.Inlines({ pandoc.Str(label .. ':'), pandoc.Space() })
    content:extend(first.content)
    first.content = content
  else
    table.insert(blocks, 1, pandoc.Plain({ pandoc.Str(label .. ':') }))
  end
  return blocks
end

local function register(id, kind, counts)
  if REGISTRY[id] then fail("crossref: label '%s' is used twice", id) end
  counts[kind] = counts[kind] + 1
  REGISTRY[id] = { kind = kind, number = counts[kind] }
  return counts[kind]
end

local function number_floats(doc)
  local counts = { fig = 0, tbl = 0 }
  local add_prefix = not SELF_NUMBERING[FORMAT]
  -- Document order (left to right, nested before following siblings) is
  -- exactly what walk gives us for each element type.
  return doc:walk({
    Div = function(div)
      if div.identifier:match('^fig%-') or div.identifier:match('^tbl%-') then
        return div_to_float(div)
      end
    end,
  }):walk({
    Figure = function(fig)
      if fig.identifier:match('^fig%-') then
        local n = register(fig.identifier, 'fig', counts)
        if add_prefix then fig.caption.long = prefix_caption(fig.caption.long, 'fig', n) end
        -- Quarto's fig-alt attribute becomes the image's alt text.
        fig.content = fig.content:walk({
          Image = function(img)
            local alt = img.attributes['fig-alt']
            if alt then
              img.attributes['fig-alt'] = nil
              img.caption = pandoc.Inlines(alt)
            end
            return img
          end,
        })
        return fig
      end
    end,
    Table = function(tbl)
      if tbl.identifier:match('^tbl%-') then
        local n = register(tbl.identifier, 'tbl', counts)
        if add_prefix then tbl.caption.long = prefix_caption(tbl.caption.long, 'tbl', n) end
        return tbl
      end
    end,
  })
end

local function crossref_link(citation)
  local id = citation.id:gsub('^(%u)', string.lower) -- @Fig-x: same label
  local entry = REGISTRY[id]
  if not entry then
    fail("crossref: unknown label '@%s' (in %s): no figure or table has the id #%s",
      citation.id, REF_SITES[citation.id] or MAIN_FILE, id)
  end
  local number = tostring(entry.number)
  local text
  if citation.mode == 'SuppressAuthor' then
    text = pandoc.Inlines({ pandoc.Str(number) })            -- [-@fig-x] -> "1"
  elseif #citation.prefix > 0 then
    text = citation.prefix:clone()                           -- [kuvassa @fig-x]
    text:insert(pandoc.Str(NBSP .. number))
  else
    text = pandoc.Inlines({ pandoc.Str(kind_title(entry.kind) .. NBSP .. number) })
  end
  text:extend(citation.suffix)
  return pandoc.Link(text, '#' .. id, '', pandoc.Attr('', { 'quarto-xref' }))
end

local function resolve_crossrefs(doc)
  return doc:walk({
    Cite = function(cite)
      local links, rest = pandoc.Inlines({}), {}
      for _, citation in ipairs(cite.citations) do
        if is_crossref_id(citation.id) then
          if #links > 0 then links:extend({ pandoc.Str(','), pandoc.Space() }) end
          links:insert(crossref_link(citation))
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
}
