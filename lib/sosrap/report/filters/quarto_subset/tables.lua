--[[
tables.lua -- HTML tables: Quarto's Bootstrap class names (`.striped` -> `table-striped`,
`.sm` -> `table-sm small`, as its table-classes filter does) and keyboard focus
for wide tables, which scroll inside their own box (report.css; a scrollable
region must be reachable by keyboard, WCAG 2.1.1).
]]

local BOOTSTRAP = {}
for _, name in ipairs({ 'primary', 'secondary', 'success', 'danger', 'warning', 'info', 'light', 'dark',
  'striped', 'hover', 'active', 'bordered', 'borderless', 'sm', 'responsive', 'responsive-sm',
  'responsive-md', 'responsive-lg', 'responsive-xl', 'responsive-xxl' }) do
  BOOTSTRAP[name] = true
end

local function table_classes(classes)
  local out = pandoc.List({})
  for _, class in ipairs(classes) do
    if BOOTSTRAP[class] then
      out:insert('table-' .. class)
      if class == 'sm' then out:insert('small') end
    else
      out:insert(class)
    end
  end
  return out
end

local function html_tables(doc)
  return doc:walk({
    Table = function(t)
      t.attr.classes = table_classes(t.attr.classes)
      t.attr.attributes.tabindex = '0'
      return t
    end,
  })
end

return { html_tables = html_tables, table_classes = table_classes }
