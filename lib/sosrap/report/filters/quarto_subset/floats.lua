--[[
floats.lua -- Quarto's float model: every #fig- / #tbl- target becomes one float
{ id, kind, content, caption, classes, attributes }, whatever holds it:

  * a Div  ::: {#fig-x} … caption :::   (caption: `fig-cap=`/`tbl-cap=`, else
    the last paragraph; a table's own caption or a raw HTML <caption>)
  * an implicit figure  ![caption](a.png){#fig-x}   (also #tbl-x)
  * a Markdown table  : caption {#tbl-x}
  * a linked image  [![caption](a.png){#fig-x}](url)

and is written out (write) the way Quarto writes it: in HTML

  <div id="fig-x" class="quarto-float quarto-figure quarto-figure-center">
    <figure class="quarto-float quarto-float-fig figure">
      <div aria-describedby="fig-x-caption-…"> content </div>
      <figcaption id="fig-x-caption-…" class="quarto-float-caption-bottom
        quarto-float-caption quarto-float-fig">Figure&nbsp;1: caption</figcaption>
    </figure>
  </div>

(tables: the caption on top, the table's own <caption> removed); in other
formats a pandoc Figure, or a captioned Table, which DOCX and typst number.
]]

local common = require('quarto_subset.common')
local first_table, is_html_format = common.first_table, common.is_html_format
local deferred = require('quarto_subset.deferred')

-- Quarto's caption id suffix (a constant in its sources).
local CAPTION_SUFFIX = '-caption-0ceaefa1-69ba-4598-a22c-09a6ac19f8ca'

local M = {}

function M.kind_of(id)
  return id and (id:match('^(fig)%-') or id:match('^(tbl)%-')) or nil
end

local function md_inlines(text)
  return pandoc.utils.blocks_to_inlines(pandoc.read(text, 'markdown').blocks)
end

local function caption_inlines(blocks)
  if not blocks or #blocks == 0 then return nil end
  return pandoc.utils.blocks_to_inlines(blocks)
end

-- Quarto's fig-alt attribute becomes the image's alt text.
local function apply_fig_alt(blocks)
  return pandoc.Blocks(blocks):walk({
    Image = function(img)
      local alt = img.attributes['fig-alt']
      if alt then
        img.attributes['fig-alt'] = nil
        img.caption = pandoc.Inlines(alt)
      end
      return img
    end,
  })
end

-- A raw HTML table's <caption>…</caption> is lifted into the float caption.
local function lift_raw_caption(blocks)
  local caption
  blocks = pandoc.Blocks(blocks):walk({
    RawBlock = function(raw)
      if caption or not raw.format:match('html') then return nil end
      local s, e, inner = raw.text:find('<caption[^>]*>(.-)</caption>')
      if not s then return nil end
      caption = pandoc.read(inner, 'html').blocks
      raw.text = raw.text:sub(1, s - 1) .. raw.text:sub(e + 1)
      return raw
    end,
  })
  return blocks, caption_inlines(caption)
end

function M.from_div(div)
  local kind = M.kind_of(div.identifier)
  if not kind then return nil end
  local attrs, blocks, caption = div.attributes, pandoc.Blocks(div.content), nil
  local cap_attr = attrs[kind .. '-cap']
  if cap_attr then
    caption = md_inlines(cap_attr)
    attrs[kind .. '-cap'] = nil
  elseif #blocks >= 2 and blocks[#blocks].t == 'Para' then
    caption = blocks[#blocks].content
    blocks = pandoc.Blocks({ table.unpack(blocks, 1, #blocks - 1) })
  end
  -- A lone image paragraph inside the div became a Figure: keep its content.
  if #blocks == 1 and blocks[1].t == 'Figure' then blocks = blocks[1].content end
  if kind == 'tbl' then
    local tbl = first_table(blocks)
    if tbl then
      if not caption then caption = caption_inlines(tbl.caption.long) end
      blocks = blocks:walk({ Table = function(t) t.caption.long = {}; return t end })
    else
      local raw_caption
      blocks, raw_caption = lift_raw_caption(blocks)
      caption = caption or raw_caption
    end
  end
  return { id = div.identifier, kind = kind, content = blocks, caption = caption,
           classes = div.classes, attributes = attrs }
end

function M.from_figure(fig)
  local kind = M.kind_of(fig.identifier)
  if not kind then return nil end
  local csv = fig.attributes['sosrap-csv']
  fig.attributes['sosrap-csv'] = nil
  return { id = fig.identifier, kind = kind, content = pandoc.Blocks(fig.content), csv = csv,
           caption = caption_inlines(fig.caption.long), classes = fig.classes, attributes = fig.attributes }
end

function M.from_table(tbl)
  if M.kind_of(tbl.identifier) ~= 'tbl' then return nil end
  local id, caption = tbl.identifier, caption_inlines(tbl.caption.long)
  tbl.identifier, tbl.caption.long = '', {}
  return { id = id, kind = 'tbl', content = pandoc.Blocks({ tbl }), caption = caption,
           classes = {}, attributes = {} }
end

-- [![caption](a.png){#fig-x}](url) alone in a paragraph.
function M.from_linked_image(para)
  if #para.content ~= 1 or para.content[1].t ~= 'Link' then return nil end
  local link = para.content[1]
  if #link.content ~= 1 or link.content[1].t ~= 'Image' then return nil end
  local img = link.content[1]
  local kind = M.kind_of(img.identifier)
  if not kind then return nil end
  local id, caption = img.identifier, img.caption:clone()
  img.identifier = ''
  return { id = id, kind = kind, content = pandoc.Blocks({ pandoc.Plain({ link }) }),
           caption = #caption > 0 and caption or nil, classes = {}, attributes = {} }
end

-- The float's data as an embedded CSV download: the sosrap Quarto extension's
-- own code (_extensions/sosrap/data-download.lua, which Quarto runs as a filter),
-- from the staged project when it has the extension, else from the package.
local function data_download()
  local staged = pandoc.path.join({ common.PROJECT_DIR, '_extensions', 'sosrap', 'data-download.lua' })
  if common.file_exists(staged) then return dofile(staged) end
  local report_dir = pandoc.path.directory(pandoc.path.directory(pandoc.path.directory(PANDOC_SCRIPT_FILE)))
  return dofile(pandoc.path.join({ report_dir, '_extensions', 'sosrap', 'data-download.lua' }))
end
local DATA = data_download()

local function download_link(f)
  local csv = DATA.float_csv(f.id, f.content, f.csv, common.PROJECT_DIR)
  if not csv then return nil end
  local text = require('quarto_subset.language').get('sosrap-data-download', 'Download the data (CSV)')
  return deferred.link(DATA.link(f.id, csv, text))
end

local function html_float(f, label)
  local cap_id = f.id .. CAPTION_SUFFIX
  local where = f.kind == 'tbl' and 'top' or 'bottom'
  local cap_classes = 'quarto-float-caption-' .. where .. ' quarto-float-caption quarto-float-' .. f.kind
  if not f.caption then cap_classes = cap_classes .. ' quarto-uncaptioned' end
  local caption = {
    pandoc.RawBlock('html', '<figcaption id="' .. cap_id .. '" class="' .. cap_classes .. '">'),
    pandoc.Plain(label),
    pandoc.RawBlock('html', '</figcaption>'),
  }
  local body = pandoc.Div(f.content, pandoc.Attr('', {}, { ['aria-describedby'] = cap_id }))
  local inner = { pandoc.RawBlock('html', '<figure class="quarto-float quarto-float-' .. f.kind .. ' figure">') }
  if where == 'top' then
    for _, b in ipairs(caption) do table.insert(inner, b) end
    table.insert(inner, body)
  else
    table.insert(inner, body)
    for _, b in ipairs(caption) do table.insert(inner, b) end
  end
  local link = download_link(f)
  if link then table.insert(inner, pandoc.Div({ link }, pandoc.Attr('', { 'sosrap-data' }))) end
  table.insert(inner, pandoc.RawBlock('html', '</figure>'))
  local align = f.attributes['fig-align'] or 'center'
  f.attributes['fig-align'] = nil
  local classes = pandoc.List({ 'quarto-float', 'quarto-figure', 'quarto-figure-' .. align })
  classes:extend(f.classes)
  return pandoc.Div(inner, pandoc.Attr(f.id, classes, f.attributes))
end

-- The float as blocks for the output format; `label` is the numbered caption
-- ("Figure 1: caption") or, for self-numbering formats, the caption alone.
function M.write(f, label)
  f.content = apply_fig_alt(f.content)
  if is_html_format() then return html_float(f, label) end
  local caption = label and #label > 0 and { pandoc.Plain(label) } or {}
  if f.kind == 'tbl' and #f.content == 1 and f.content[1].t == 'Table' then
    local tbl = f.content[1]
    tbl.identifier, tbl.caption.long = f.id, caption
    return tbl
  end
  return pandoc.Figure(f.content, caption, pandoc.Attr(f.id, f.classes, f.attributes))
end

return M
