--[[
callouts.lua -- callouts (.callout-note/tip/warning/caution/important) with titles in the report's language.
]]

local common = require('quarto_subset.common')
local language = require('quarto_subset.language')
local is_html_format = common.is_html_format

local CALLOUT_TYPES = { note = true, tip = true, warning = true, caution = true, important = true }

local function callout_type(div)
  for _, class in ipairs(div.classes) do
    local t = class:match('^callout%-(%a+)$')
    if t and CALLOUT_TYPES[t] then return t end
  end
  return nil
end

local function render_callout(div)
  local kind = callout_type(div)
  if not kind then return nil end
  local body = div.content
  local title
  if div.attributes.title then
    -- title="..." is Markdown in Quarto (e.g. *emphasis* in a title).
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes.title, 'markdown').blocks)
    div.attributes.title = nil
  elseif body[1] and body[1].t == 'Header' then
    title = body[1].content                 -- "## Otsikko" as the first line
    body = pandoc.Blocks({ table.unpack(body, 2) })
  else
    title = pandoc.Inlines(language.strings['callout-' .. kind .. '-title'])
  end

  local classes = pandoc.List({ 'callout' })
  for _, class in ipairs(div.classes) do classes:insert(class) end
  if div.attributes.icon == 'false' then classes:insert('callout-no-icon') end
  div.attributes.icon = nil
  div.attributes.appearance = nil
  div.attributes.collapse = nil

  if is_html_format() then
    return pandoc.Div({
      pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr('', { 'callout-title' })),
      pandoc.Div(body, pandoc.Attr('', { 'callout-body' })),
    }, pandoc.Attr(div.identifier, classes, div.attributes))
  end
  -- Other formats: a bold title paragraph keeps the meaning without HTML.
  local blocks = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title) }) })
  blocks:extend(body)
  return pandoc.Div(blocks, pandoc.Attr(div.identifier, classes, div.attributes))
end

return {
  render_callout = render_callout,
}
