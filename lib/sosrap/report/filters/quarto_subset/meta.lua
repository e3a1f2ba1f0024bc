--[[
meta.lua -- the {{< meta key >}} shortcode: a document metadata value.
]]

local common = require('quarto_subset.common')
local fail, lookup_dotted, scalar_to_string = common.fail, common.lookup_dotted, common.scalar_to_string

-- The document's metadata: set by main.lua (M.doc_meta) before any shortcode is expanded.
local M = {}

function M.meta_inlines(key, ctx)
  if not key or key == '' then fail('meta: missing key (in %s)', ctx.file) end
  local value = lookup_dotted(M.doc_meta, key)
  if value == nil then fail("meta: unknown metadata key '%s' (in %s)", key, ctx.file) end
  local kind = pandoc.utils.type(value)
  if kind == 'Inlines' then return value:clone() end
  if kind == 'Blocks' then return pandoc.utils.blocks_to_inlines(value) end
  if kind == 'string' or kind == 'boolean' or kind == 'number' then
    return pandoc.Inlines(scalar_to_string(value))
  end
  fail("meta: key '%s' is a list or map, not a single value (in %s)", key, ctx.file)
end

return M
