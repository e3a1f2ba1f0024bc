--[[
shortcodes.lua -- shortcode syntax: parsing {{< … >}}, inline expansion (var, meta) in text,
attributes and URLs, and finding the block shortcodes (include, embed, pagebreak).
]]

local common = require('quarto_subset.common')
local var = require('quarto_subset.var')
local meta = require('quarto_subset.meta')
local fail, stringify = common.fail, common.stringify
local variable_text = var.variable_text

local SMART_QUOTES = { ['\u{201C}'] = '\u{201D}', ['\u{2018}'] = '\u{2019}' }

-- Split the inside of "{{< ... >}}" into name and arguments; quotes group.
local function parse_shortcode(inner)
  local args, i, n = {}, 1, #inner
  while i <= n do
    local c = inner:sub(i, i)
    if c:match('%s') then
      i = i + 1
    elseif c == '"' or c == "'" then
      local close = inner:find(c, i + 1, true) or (n + 1)
      table.insert(args, inner:sub(i + 1, close - 1))
      i = close + 1
    elseif SMART_QUOTES[inner:sub(i, i + 2)] then
      -- pandoc's `smart` extension made "…" into “…” before we saw the text.
      local close_q = SMART_QUOTES[inner:sub(i, i + 2)]
      local close = inner:find(close_q, i + 3, true) or (n + 1)
      table.insert(args, inner:sub(i + 3, close - 1))
      i = close + #close_q
    else
      local stop = inner:find('%s', i) or (n + 1)
      table.insert(args, inner:sub(i, stop - 1))
      i = stop
    end
  end
  local name = table.remove(args, 1)
  return { name = name, args = args, source = '{{< ' .. inner:match('^%s*(.-)%s*$') .. ' >}}' }
end

local BLOCK_SHORTCODES = { include = true, embed = true, pagebreak = true }

-- Value of an inline shortcode, as Inlines.
local function inline_shortcode_value(sc, ctx)
  if sc.name == 'var' then
    local text = variable_text(sc.args[1], ctx)
    if not text then return common.placeholder('var:' .. tostring(sc.args[1])) end
    return pandoc.Inlines(text)
  elseif sc.name == 'meta' then
    return meta.meta_inlines(sc.args[1], ctx)
  elseif BLOCK_SHORTCODES[sc.name] then
    fail("%s: '%s' must stand alone in its own paragraph (in %s)", sc.name, sc.source, ctx.file)
  end
  fail("unsupported shortcode '%s' in '%s' (in %s); sosrap's pandoc engine supports "
    .. 'include, var, meta, embed and pagebreak', tostring(sc.name), sc.source, ctx.file)
end

-- Expand shortcodes inside a plain string (code, attributes, URLs).
local function expand_string(s, ctx)
  if not s:find('{{<', 1, true) then return s end
  local out, pos = {}, 1
  while true do
    local open = s:find('{{<', pos, true)
    if not open then break end
    local close = s:find('>}}', open + 3, true)
    if not close then fail("unterminated shortcode '%s' (in %s)", s:sub(open), ctx.file) end
    local before = s:sub(pos, open - 1)
    if before:sub(-1) == '{' and s:sub(close + 3, close + 3) == '}' then
      -- Escaped {{{< x >}}}: Quarto prints the shortcode literally.
      table.insert(out, before:sub(1, -2) .. s:sub(open, close + 2))
      pos = close + 4
    else
      table.insert(out, before)
      local sc = parse_shortcode(s:sub(open + 3, close - 1))
      if sc.name == 'meta' then
        table.insert(out, meta.meta_text(sc.args[1], ctx))
      else
        table.insert(out, stringify(inline_shortcode_value(sc, ctx)))
      end
      pos = close + 3
    end
  end
  table.insert(out, s:sub(pos))
  return table.concat(out)
end

-- Source text of an inline, as close to what was typed as the AST allows.
-- Underscores in paths may have been read as emphasis ("_a_"), so Emph is
-- written back with underscores.
local function inline_source(el)
  local t = el.t
  if t == 'Str' then return el.text end
  if t == 'Space' or t == 'SoftBreak' or t == 'LineBreak' then return ' ' end
  if t == 'Quoted' then
    local q = el.quotetype == 'SingleQuote' and "'" or '"'
    return q .. stringify(el.content) .. q
  end
  if t == 'Emph' then return '_' .. stringify(el.content) .. '_' end
  if t == 'Strong' then return '__' .. stringify(el.content) .. '__' end
  return stringify(el)
end

-- Expand inline shortcodes in a list of inlines.  A shortcode may span
-- several Str/Space elements and share a Str with punctuation: "({{<" ... ">}})."
local function expand_inlines(inlines, ctx)
  local has = false
  for _, el in ipairs(inlines) do
    if el.t == 'Str' and el.text:find('{{<', 1, true) then has = true break end
  end
  if not has then return nil end

  local work = {}
  for i, el in ipairs(inlines) do work[i] = el end
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #work do
    local el = work[i]
    local open = el.t == 'Str' and el.text:find('{{<', 1, true)
    if not open then
      out:insert(el)
      i = i + 1
    else
      -- Gather source text until the closing ">}}".
      local buf, j, text, close = {}, i, nil, nil
      while j <= #work do
        table.insert(buf, inline_source(work[j]))
        text = table.concat(buf)
        close = text:find('>}}', open + 3, true)
        if close then break end
        j = j + 1
      end
      if not close then
        fail("unterminated shortcode '%s' (in %s)", text:sub(open), ctx.file)
      end
      local before, after = text:sub(1, open - 1), text:sub(close + 3)
      local value
      if before:sub(-1) == '{' and after:sub(1, 1) == '}' then
        before, after = before:sub(1, -2), after:sub(2)
        value = pandoc.Inlines({ pandoc.Str(text:sub(open, close + 2)) })
      else
        value = inline_shortcode_value(parse_shortcode(text:sub(open + 3, close - 1)), ctx)
      end
      if before ~= '' then out:insert(pandoc.Str(before)) end
      out:extend(value)
      -- Put the remainder back so a second shortcode in it is found too.
      local rest = {}
      if after ~= '' then table.insert(rest, pandoc.Str(after)) end
      for k = j + 1, #work do table.insert(rest, work[k]) end
      work, i = rest, 1
    end
  end
  return out
end

-- A `title=` attribute is Markdown (callout titles): a lone {{< meta x >}}
-- there keeps the value's markup ("Hello, _Quarto_"), as in Quarto.
local function markdown_attr(v, ctx)
  local inner = v:match('^%s*{{<%s*(meta%s[^>]-)%s*>}}%s*$')
  if not inner then return nil end
  local sc = parse_shortcode(inner)
  local value = meta.meta_inlines(sc.args[1], ctx)
  return pandoc.write(pandoc.Pandoc({ pandoc.Plain(value) }), 'markdown'):gsub('%s+$', '')
end

local function expand_attr(attr, ctx)
  for k, v in pairs(attr.attributes) do
    if v:find('{{<', 1, true) then
      attr.attributes[k] = (k == 'title' and markdown_attr(v, ctx)) or expand_string(v, ctx)
    end
  end
  return attr
end

-- Quarto's default-image-extension (png for HTML, as render.py passes it).
local function IMAGE_EXTENSION()
  local m = meta.doc_meta and meta.doc_meta['default-image-extension']
  if m == nil then return common.is_html_format() and 'png' or '' end
  return stringify(m)
end

-- Shortcodes in URLs arrive percent-encoded ("%7B%7B%3C%20var...").
local function expand_url(url, ctx)
  if not (url:find('{{', 1, true) or url:upper():find('%7B%7B', 1, true)) then return url end
  local decoded = url:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  if not decoded:find('{{<', 1, true) then return url end
  return expand_string(decoded, ctx)
end

-- pandoc appends --default-image-extension to a path without one, before
-- shortcodes are expanded: "{{< meta logo >}}.png", "https://x.org/.png".
-- As Quarto does (#14583, #6092): the value of a whole-path shortcode keeps
-- its own extension, and an empty file name gets none.
local function image_src(src, ctx)
  local ext = IMAGE_EXTENSION()
  local suffix = '.' .. ext
  if ext == '' or src:sub(-#suffix) ~= suffix then return expand_url(src, ctx) end
  local stem = src:sub(1, -(#suffix + 1))
  local decoded = stem:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  if decoded:match('^{{<.*>}}$') then
    local value = expand_url(stem, ctx)
    if pandoc.path.split_extension(pandoc.path.filename(value)) ~= pandoc.path.filename(value) then
      return value
    end
    return value .. suffix
  end
  if stem:sub(-1) == '/' then return stem end
  return expand_url(src, ctx)
end

-- Code blocks, unless `shortcodes="false"` (Quarto's opt-out).
local function expand_code_block(el, ctx)
  if el.attributes.shortcodes == 'false' then
    el.attributes.shortcodes = nil
    return el
  end
  el.text = expand_string(el.text, ctx)
  el.attr = expand_attr(el.attr, ctx)
  return el
end

-- Whether a file's text may hold a shortcode: "{{", braces pandoc reads as
-- "{" (\{, &#123;) or a percent-encoded "{{" in a URL.
local function may_hold_shortcodes(text)
  return (text:find('{{', 1, true) or text:find('\\{', 1, true) or text:find('&#', 1, true)
    or text:find('%%7[Bb]%%7[Bb]')) ~= nil
end

-- Everything inline-level in one block (its nested block lists excluded:
-- process_blocks handles those so that each list is processed exactly once).
-- `ctx.no_shortcodes` (not may_hold_shortcodes of its file): only what applies
-- without a shortcode is left, an image's path and a code block's opt-out.
local function inline_filter(ctx)
  if ctx.no_shortcodes then
    return {
      CodeBlock = function(el) return expand_code_block(el, ctx) end,
      Image = function(el) el.src = image_src(el.src, ctx) return el end,
    }
  end
  return {
    Inlines = function(ils) return expand_inlines(ils, ctx) end,
    Code = function(el) el.text = expand_string(el.text, ctx) return el end,
    CodeBlock = function(el) return expand_code_block(el, ctx) end,
    RawBlock = function(el) el.text = expand_string(el.text, ctx) return el end,
    RawInline = function(el) el.text = expand_string(el.text, ctx) return el end,
    Math = function(el) el.text = expand_string(el.text, ctx) return el end,
    Link = function(el)
      el.target = expand_url(el.target, ctx)
      el.attr = expand_attr(el.attr, ctx)
      return el
    end,
    Image = function(el)
      el.src = image_src(el.src, ctx)
      el.attr = expand_attr(el.attr, ctx)
      return el
    end,
    Span = function(el) el.attr = expand_attr(el.attr, ctx) return el end,
    Header = function(el) el.attr = expand_attr(el.attr, ctx) return el end,
    Figure = function(el) el.attr = expand_attr(el.attr, ctx) return el end,
    Table = function(el) el.attr = expand_attr(el.attr, ctx) return el end,
  }
end

-- If a Para/Plain holds nothing but block shortcodes (one per line), return
-- them; otherwise nil.
local function block_shortcodes(block)
  if block.t ~= 'Para' and block.t ~= 'Plain' then return nil end
  local lines, current = {}, {}
  for _, el in ipairs(block.content) do
    if el.t == 'SoftBreak' or el.t == 'LineBreak' then
      table.insert(lines, table.concat(current))
      current = {}
    else
      table.insert(current, inline_source(el))
    end
  end
  table.insert(lines, table.concat(current))
  local found = {}
  for _, line in ipairs(lines) do
    local trimmed = line:match('^%s*(.-)%s*$')
    if trimmed ~= '' then
      local inner = trimmed:match('^{{<(.*)>}}$')
      if not inner or inner:find('>}}', 1, true) or inner:sub(1, 1) == '<' then return nil end
      local sc = parse_shortcode(inner)
      if not BLOCK_SHORTCODES[sc.name] then return nil end
      table.insert(found, sc)
    end
  end
  if #found == 0 then return nil end
  return found
end

return {
  BLOCK_SHORTCODES = BLOCK_SHORTCODES,
  parse_shortcode = parse_shortcode,
  expand_string = expand_string,
  expand_inlines = expand_inlines,
  expand_attr = expand_attr,
  inline_filter = inline_filter,
  may_hold_shortcodes = may_hold_shortcodes,
  expand_code_block = expand_code_block,
  block_shortcodes = block_shortcodes,
}
