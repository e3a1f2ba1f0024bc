--[[
expand.lua -- the per-file pass: block shortcodes ({{< include >}} nested and
cycle-checked, {{< embed >}}, {{< pagebreak >}}) and inline shortcodes, file by file,
so that error messages name the file a problem is in.
]]

local common = require('quarto_subset.common')
local shortcodes = require('quarto_subset.shortcodes')
local embed = require('quarto_subset.embed').embed
local crossref = require('quarto_subset.crossref')
local fail, read_file, stringify = common.fail, common.read_file, common.stringify
local is_html_format, resolve_path, MAIN_FILE = common.is_html_format, common.resolve_path, common.MAIN_FILE
local inline_filter, expand_attr = shortcodes.inline_filter, shortcodes.expand_attr
local expand_inlines, expand_string = shortcodes.expand_inlines, shortcodes.expand_string
local block_shortcodes, note_refs = shortcodes.block_shortcodes, crossref.note_refs

-- The identifier pandoc's reader would give a heading with these inlines.
local function auto_identifier(inlines)
  local md = pandoc.write(pandoc.Pandoc({ pandoc.Header(1, inlines) }), 'markdown')
  local doc = pandoc.read(md, 'markdown', PANDOC_READER_OPTIONS)
  return doc.blocks[1] and doc.blocks[1].identifier or ''
end

-- Quarto expands shortcodes before pandoc makes heading ids, so
-- "# Vuosi {{< var year >}}" gets the id "vuosi-2026": redo automatic ids.
local function expand_header(header, ctx)
  local had_shortcode = stringify(header.content):find('{{<', 1, true)
  local was_auto = had_shortcode and header.identifier ~= ''
    and header.identifier == auto_identifier(header.content)
  header = header:walk(inline_filter(ctx))
  header.attr = expand_attr(header.attr, ctx)
  if was_auto then header.identifier = auto_identifier(header.content) end
  return header
end

-- The walk over a block of ctx.file: its inline shortcodes, and the labels it uses
-- (made once per file).
local function block_filter(ctx)
  if not ctx.filter then
    ctx.filter = inline_filter(ctx)
    ctx.filter.Cite = note_refs(ctx)
  end
  return ctx.filter
end

local process_blocks -- forward declaration (mutual recursion with include)

local function include(sc, ctx)
  local rel = sc.args[1]
  if not rel then fail('include: missing file name (in %s)', ctx.file) end
  local path = resolve_path(rel, ctx.file)
  if not path then
    fail("include: file not found: '%s' (included from %s)", rel, ctx.file)
  end
  for _, seen in ipairs(ctx.stack) do
    if seen == path then
      fail("include: '%s' includes itself (via %s)", path, table.concat(ctx.stack, ' -> '))
    end
  end
  -- Each file is read on its own (front matter in it is ignored), then its
  -- shortcodes are expanded with that file named in error messages.
  local text = read_file(path)
  local doc = pandoc.read(text, 'markdown', PANDOC_READER_OPTIONS)
  local stack = { table.unpack(ctx.stack) }
  table.insert(stack, path)
  -- (a walk over every inline costs; most of a report's files hold no shortcode)
  local none = not shortcodes.may_hold_shortcodes(text)
  return process_blocks(doc.blocks, { file = path, stack = stack, no_shortcodes = none })
end

local function pagebreak()
  if is_html_format() then
    return { pandoc.RawBlock('html', '<div class="page-break" style="page-break-after: always;"></div>') }
  elseif FORMAT == 'docx' then
    return { pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>') }
  elseif FORMAT == 'typst' then
    return { pandoc.RawBlock('typst', '#pagebreak()') }
  elseif FORMAT:match('latex') then
    return { pandoc.RawBlock('latex', '\\newpage{}') }
  end
  return {}
end

-- Expand block shortcodes (include/embed/pagebreak) and inline shortcodes in
-- a list of blocks that came from `ctx.file`.
process_blocks = function(blocks, ctx)
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    local scs = block_shortcodes(block)
    if scs then
      for _, sc in ipairs(scs) do
        if sc.name == 'include' then
          out:extend(include(sc, ctx))
        elseif sc.name == 'embed' then
          out:extend(embed(sc, ctx))
        else
          out:extend(pagebreak())
        end
      end
    elseif block.t == 'Div' or block.t == 'BlockQuote' then
      -- Quarto includes are text inclusion, so they also work inside a callout.
      block.content = process_blocks(block.content, ctx)
      if block.t == 'Div' then block.attr = expand_attr(block.attr, ctx) end
      out:insert(block)
    elseif block.t == 'BulletList' or block.t == 'OrderedList' then
      block.content = block.content:map(function(item) return process_blocks(item, ctx) end)
      out:insert(block)
    elseif block.t == 'Header' then
      out:insert(expand_header(block, ctx))
    elseif block.t == 'CodeBlock' then
      -- (walk never applies a filter to the element it is called on)
      out:insert(shortcodes.expand_code_block(block, ctx))
    elseif block.t == 'RawBlock' then
      block.text = expand_string(block.text, ctx)
      out:insert(block)
    else
      out:insert(block:walk(block_filter(ctx)))
    end
  end
  return out
end

-------------------------------------------------------------------------------
-- Shortcodes in the metadata
-------------------------------------------------------------------------------

local function expand_meta(meta)
  local ctx = { file = MAIN_FILE .. ' (metadata)', stack = { MAIN_FILE } }
  local function expand(value)
    local kind = pandoc.utils.type(value)
    if kind == 'Inlines' then
      return expand_inlines(value, ctx) or value
    elseif kind == 'Blocks' then
      return process_blocks(value, ctx)
    elseif kind == 'string' then
      return expand_string(value, ctx)
    elseif kind == 'List' then
      return value:map(expand)
    elseif kind == 'table' then
      for k, v in pairs(value) do value[k] = expand(v) end
      return value
    end
    return value
  end
  for k, v in pairs(meta) do meta[k] = expand(v) end
  return meta
end

return {
  process_blocks = process_blocks,
  expand_meta = expand_meta,
}
