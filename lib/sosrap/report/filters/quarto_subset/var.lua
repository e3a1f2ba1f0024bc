--[[
var.lua -- the {{< var key.sub >}} shortcode: a value from _variables.yml (dotted keys).
]]

local common = require('quarto_subset.common')
local fail, read_file, stringify = common.fail, common.read_file, common.stringify
local lookup_dotted, scalar_to_string = common.lookup_dotted, common.scalar_to_string
local PROJECT_DIR = common.PROJECT_DIR
local problem, where = common.problem, common.where

local VARIABLES -- loaded lazily: documents without {{< var >}} need no file

local function load_variables()
  if VARIABLES then return VARIABLES end
  local json_path = os.getenv('SOSRAP_VARIABLES_JSON')
  if json_path and json_path ~= '' then
    local text = read_file(json_path)
    if not text then fail('var: cannot read variables file %s', json_path) end
    -- pandoc_types=false: plain tables, never AST elements.
    VARIABLES = pandoc.json.decode(text, false)
  else
    -- Fallback for running the filter by hand: pandoc's YAML parser reads the
    -- values as Markdown, which is fine for plain text values.
    local yaml = read_file(pandoc.path.join({ PROJECT_DIR, '_variables.yml' }))
    VARIABLES = {}
    if yaml then
      local meta = pandoc.read('---\n' .. yaml .. '\n---\n', 'markdown').meta
      local function plain(v)
        local kind = pandoc.utils.type(v)
        if kind == 'table' or kind == 'Meta' then
          local t = {}
          for k, x in pairs(v) do t[k] = plain(x) end
          return t
        elseif type(v) == 'boolean' then
          return v
        end
        return stringify(v)
      end
      VARIABLES = plain(meta)
    end
  end
  return VARIABLES
end

local function variable_text(key, ctx)
  if not key or key == '' then fail('var: missing key (in %s)', ctx.file) end
  local value = lookup_dotted(load_variables(), key)
  if value == nil or value == pandoc.json.null then
    problem("var: unknown key '%s' in _variables.yml (in %s)", key, where(ctx.file, key))
    return nil
  end
  local text = scalar_to_string(value)
  if not text then
    problem("var: key '%s' is not a single value (it has sub-keys) (in %s)", key, where(ctx.file, key))
    return nil
  end
  return text
end

return {
  variable_text = variable_text,
}
