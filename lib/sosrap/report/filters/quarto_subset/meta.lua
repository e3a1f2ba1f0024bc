--[[
meta.lua -- the {{< meta key >}} shortcode: a document metadata value.

As in Quarto: dotted keys ("a.b", "\." a literal dot, "list.1" 1-based),
a one-element list stands for its element, and an unknown key or a value
that is not text is a problem (an error; in a draft a warning and
Quarto's placeholder).
]]

local common = require('quarto_subset.common')
local fail, lookup_dotted, scalar_to_string = common.fail, common.lookup_dotted, common.scalar_to_string
local problem, placeholder, where = common.problem, common.placeholder, common.where

-- The document's metadata: set by main.lua (M.doc_meta) before any shortcode is expanded.
local M = {}

local function unwrap(value)
  while pandoc.utils.type(value) == 'List' and #value == 1 do value = value[1] end
  return value
end

function M.meta_inlines(key, ctx)
  if not key or key == '' then fail('meta: missing key (in %s)', ctx.file) end
  local value = unwrap(lookup_dotted(M.doc_meta, key))
  if value == nil then
    problem("meta: unknown metadata key '%s' (in %s)", key, where(ctx.file, key))
    return placeholder('meta:' .. key)
  end
  local kind = pandoc.utils.type(value)
  if kind == 'Inlines' then return value:clone() end
  if kind == 'Blocks' then return pandoc.utils.blocks_to_inlines(value) end
  if kind == 'string' or kind == 'boolean' or kind == 'number' then
    return pandoc.Inlines(scalar_to_string(value))
  end
  problem("meta: key '%s' is a list or map, not a single value (in %s)", key, where(ctx.file, key))
  return placeholder('invalid meta type:' .. key)
end

-- The value as plain text, for code, attributes and URLs: paragraphs of a
-- multi-line value stay on their own lines.
function M.meta_text(key, ctx)
  local value = unwrap(lookup_dotted(M.doc_meta, key or ''))
  if pandoc.utils.type(value) == 'Blocks' then
    return (pandoc.write(pandoc.Pandoc(value), 'plain', { wrap_text = 'none' }):gsub('%s+$', ''))
  end
  return pandoc.utils.stringify(M.meta_inlines(key, ctx))
end

return M
