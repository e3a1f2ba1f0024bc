--[[
callouts.lua -- callouts (.callout-note/tip/warning/caution/important) with titles in
the report's language, written in HTML with Quarto's structure (its callouts.lua,
appearance "default"):

  <div class="callout callout-style-default callout-note callout-titled">
    <div class="callout-header d-flex align-content-center">
      <div class="callout-icon-container"><i class="callout-icon"></i></div>
      <div class="callout-title-container flex-fill">
        <span class="screen-reader-only">Note</span>Own title</div>
    </div>
    <div class="callout-body-container callout-body"> body </div>
  </div>

A callout with a cross-reference id (#tip-x, numbered by crossref.lua) is titled
"Tip 1" (": own title" after it).  Other formats get a bold title paragraph.
]]

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local crossref = require('quarto_subset.crossref')
local is_html_format, NBSP = common.is_html_format, common.NBSP

local CALLOUT_TYPES = { note = true, tip = true, warning = true, caution = true, important = true }

local function callout_type(div)
  for _, class in ipairs(div.classes) do
    local t = class:match('^callout%-(%a+)$')
    if t and CALLOUT_TYPES[t] then return t end
  end
  return nil
end

local function md_inlines(text)
  return pandoc.utils.blocks_to_inlines(pandoc.read(text, 'markdown').blocks)
end

-- (title inlines, body, whether the title is the author's own)
local function title_and_body(div, kind)
  local body = div.content
  if div.attributes.title then
    -- title="..." is Markdown in Quarto (e.g. *emphasis* in a title).
    local title = md_inlines(div.attributes.title)
    div.attributes.title = nil
    return title, body, true
  elseif body[1] and body[1].t == 'Header' then
    return body[1].content, pandoc.Blocks({ table.unpack(body, 2) }), true  -- "## Otsikko" first
  end
  return nil, body, false
end

local function html_callout(div, kind, title, own, body, icon)
  local type_name = language.get('callout-' .. kind .. '-title', kind)
  local title_inlines = pandoc.Inlines({})
  if own and not crossref.REGISTRY[div.identifier] then
    title_inlines:insert(pandoc.Span({ pandoc.Str(type_name) }, pandoc.Attr('', { 'screen-reader-only' })))
  end
  title_inlines:extend(title)
  local icon_classes = icon and { 'callout-icon' } or { 'callout-icon', 'no-icon' }
  local header = pandoc.Div({
    pandoc.Div({ pandoc.Plain({ pandoc.RawInline('html', '<i class="' .. table.concat(icon_classes, ' ') .. '"></i>') }) },
      pandoc.Attr('', { 'callout-icon-container' })),
    pandoc.Div({ pandoc.Plain(title_inlines) }, pandoc.Attr('', { 'callout-title-container', 'flex-fill' })),
  }, pandoc.Attr('', { 'callout-header', 'd-flex', 'align-content-center' }))
  local classes = pandoc.List({ 'callout', 'callout-style-default' })
  for _, class in ipairs(div.classes) do classes:insert(class) end
  classes:insert('callout-titled')
  if not icon then classes:insert('no-icon') end
  if #body == 0 then classes:insert('callout-empty-content') end
  return pandoc.Div({ header, pandoc.Div(body, pandoc.Attr('', { 'callout-body-container', 'callout-body' })) },
    pandoc.Attr(div.identifier, classes, div.attributes))
end

local function render_callout(div)
  local kind = callout_type(div)
  if not kind then return nil end
  local title, body, own = title_and_body(div, kind)
  local entry = crossref.REGISTRY[div.identifier]
  if entry then
    -- "Vihje 1" / "Vihje 1: oma otsikko"
    local numbered = pandoc.Inlines({ pandoc.Str(crossref.kind_title(entry.kind) .. NBSP .. entry.number) })
    if title then numbered:extend({ pandoc.Str(':'), pandoc.Space() }); numbered:extend(title) end
    title = numbered
  end
  title = title or pandoc.Inlines(language.get('callout-' .. kind .. '-title', kind))
  local icon = div.attributes.icon ~= 'false'
  div.attributes.icon = nil
  div.attributes.appearance = nil
  div.attributes.collapse = nil

  if is_html_format() then return html_callout(div, kind, title, own, body, icon) end
  -- Other formats: a bold title paragraph keeps the meaning without HTML.
  local classes = pandoc.List({ 'callout' })
  for _, class in ipairs(div.classes) do classes:insert(class) end
  local blocks = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title) }) })
  blocks:extend(body)
  return pandoc.Div(blocks, pandoc.Attr(div.identifier, classes, div.attributes))
end

return {
  render_callout = render_callout,
}
