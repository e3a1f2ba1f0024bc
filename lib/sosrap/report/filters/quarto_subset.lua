--[[
quarto_subset.lua -- the subset of Quarto that sosrap reports use, for plain pandoc.

Quarto cannot be installed on the build machines, so the same report sources
must also render with pandoc 3.9 alone.  This filter implements, as faithfully
as is practical, exactly the Quarto features the reports rely on:

  * {{< include path >}}   include another Markdown file (nested, cycle-checked)
  * {{< var key.sub >}}    a value from _variables.yml (dotted keys)
  * {{< meta key >}}       a document metadata value
  * {{< embed nb.ipynb#label >}}  the OUTPUTS of an executed notebook cell,
                           with fig-cap / fig-alt / tbl-cap from its `#|` lines
  * {{< pagebreak >}}
  * figures / tables with #fig- / #tbl- identifiers, numbered in document
    order, and cross-references @fig-x / @tbl-x ("Kuva 1", "Taulukko 1")
  * callouts (.callout-note/tip/warning/caution/important), Finnish titles
  * the #sosrap-notice block, placed by the template right after the title
  * language defaults (TOC title, "Lähteet", author/date labels)

It must run BEFORE --citeproc: it consumes only @fig-/@tbl- citations, so
citeproc never reports them as missing and still sees real citations.

Inputs besides the document:
  * env SOSRAP_VARIABLES_JSON: path to a JSON dump of _variables.yml made by
    sosrap.render (exact strings).  Without it the filter falls back to reading
    _variables.yml next to the main input through pandoc's YAML parser.

Every problem in the sources is a hard error (error(msg, 0)), so pandoc exits
non-zero and sosrap.render raises RenderError with the message.  Messages name
the file (and label/key) so a report editor can find the mistake.
]]

local stringify = pandoc.utils.stringify
local NBSP = '\u{00A0}'

-------------------------------------------------------------------------------
-- Output format
-------------------------------------------------------------------------------

local function is_html_format()
  return FORMAT:match('html') ~= nil or FORMAT:match('epub') ~= nil
    or FORMAT == 'revealjs'
end

-- Formats that number captions themselves: adding "Kuva 1:" there would
-- print the number twice (typst counts figures; docx uses +native_numbering).
local SELF_NUMBERING = { docx = true, typst = true, latex = true, beamer = true, context = true }

-------------------------------------------------------------------------------
-- Language strings: values copied from Quarto's language files
-- (src/resources/language/_language-fi.yml and _language.yml).
-------------------------------------------------------------------------------

local LANGUAGES = {
  fi = {
    ['crossref-fig-title'] = 'Kuva',
    ['crossref-tbl-title'] = 'Taulukko',
    ['callout-note-title'] = 'Huomautus',
    ['callout-tip-title'] = 'Vihje',
    ['callout-warning-title'] = 'Varoitus',
    ['callout-important-title'] = 'Tärkeää',
    ['callout-caution-title'] = 'Vaara',
    ['toc-title-document'] = 'Sisällysluettelo',
    ['section-title-references'] = 'Lähteet',
    ['title-block-author-single'] = 'Tekijä',
    ['title-block-author-plural'] = 'Tekijät',
    ['title-block-published'] = 'Julkaistu',
    ['title-block-version'] = 'Versio',
  },
  en = {
    ['crossref-fig-title'] = 'Figure',
    ['crossref-tbl-title'] = 'Table',
    ['callout-note-title'] = 'Note',
    ['callout-tip-title'] = 'Tip',
    ['callout-warning-title'] = 'Warning',
    ['callout-important-title'] = 'Important',
    ['callout-caution-title'] = 'Caution',
    ['toc-title-document'] = 'Table of contents',
    ['section-title-references'] = 'References',
    ['title-block-author-single'] = 'Author',
    ['title-block-author-plural'] = 'Authors',
    ['title-block-published'] = 'Published',
    ['title-block-version'] = 'Version',
  },
}

local STRINGS = LANGUAGES.fi -- chosen from `lang` in Meta()

-------------------------------------------------------------------------------
-- Errors and paths
-------------------------------------------------------------------------------

-- Level 0: no "file.lua:123:" position prefix -- the message is for editors.
local function fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

-- Collapse "." and ".." so messages and cycle detection use one spelling.
local function normalize(path)
  local parts = {}
  for part in path:gmatch('[^/]+') do
    if part == '..' and #parts > 0 and parts[#parts] ~= '..' then
      table.remove(parts)
    elseif part ~= '.' then
      table.insert(parts, part)
    end
  end
  local joined = table.concat(parts, '/')
  if path:sub(1, 1) == '/' then joined = '/' .. joined end
  return joined
end

local function dirname(path)
  return pandoc.path.directory(path)
end

local function read_file(path)
  local fh = io.open(path, 'rb')
  if not fh then return nil end
  local text = fh:read('a')
  fh:close()
  return text
end

local function file_exists(path)
  local fh = io.open(path, 'rb')
  if fh then fh:close() return true end
  return false
end

local MAIN_FILE = normalize(PANDOC_STATE.input_files[1] or 'stdin')
-- Quarto resolves "/path" against the project root; the main input sits there.
local PROJECT_DIR = dirname(MAIN_FILE)

-- Candidate locations for a path written in `from_file`, in Quarto's order:
-- "/x" is project-relative; otherwise relative to the including file, and
-- (because Quarto includes are text inclusion) relative to the main document.
local function resolve_path(rel, from_file)
  local candidates = {}
  if rel:sub(1, 1) == '/' then
    table.insert(candidates, pandoc.path.join({ PROJECT_DIR, rel:sub(2) }))
  else
    table.insert(candidates, pandoc.path.join({ dirname(from_file), rel }))
    table.insert(candidates, pandoc.path.join({ PROJECT_DIR, rel }))
  end
  for _, c in ipairs(candidates) do
    if file_exists(c) then return normalize(c) end
  end
  return nil
end

-------------------------------------------------------------------------------
-- Variables (_variables.yml)
-------------------------------------------------------------------------------

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

-- Look up "a.b.c" in nested tables; returns value or nil.
local function lookup_dotted(root, key)
  local node = root
  for part in key:gmatch('[^.]+') do
    if type(node) ~= 'table' and pandoc.utils.type(node) ~= 'Meta' then return nil end
    local nxt = node[part]
    if nxt == nil then return nil end -- (lists are not indexable: keys only)
    node = nxt
  end
  return node
end

local function scalar_to_string(value)
  if type(value) == 'string' then return value end
  if type(value) == 'boolean' then return tostring(value) end
  if type(value) == 'number' then
    -- JSON numbers arrive as floats; print 3.0 as "3" like YAML wrote it.
    local int = math.tointeger(value)
    return int and tostring(int) or tostring(value)
  end
  return nil
end

local function variable_text(key, ctx)
  if not key or key == '' then fail('var: missing key (in %s)', ctx.file) end
  local value = lookup_dotted(load_variables(), key)
  if value == nil or value == pandoc.json.null then
    fail("var: unknown key '%s' in _variables.yml (in %s)", key, ctx.file)
  end
  local text = scalar_to_string(value)
  if not text then
    fail("var: key '%s' is not a single value (it has sub-keys) (in %s)", key, ctx.file)
  end
  return text
end

-------------------------------------------------------------------------------
-- Metadata values ({{< meta >}})
-------------------------------------------------------------------------------

local DOC_META -- set in Pandoc() before any shortcode is expanded

local function meta_inlines(key, ctx)
  if not key or key == '' then fail('meta: missing key (in %s)', ctx.file) end
  local value = lookup_dotted(DOC_META, key)
  if value == nil then fail("meta: unknown metadata key '%s' (in %s)", key, ctx.file) end
  local kind = pandoc.utils.type(value)
  if kind == 'Inlines' then return value:clone() end
  if kind == 'Blocks' then return pandoc.utils.blocks_to_inlines(value) end
  if kind == 'string' or kind == 'boolean' or kind == 'number' then
    return pandoc.Inlines(scalar_to_string(value))
  end
  fail("meta: key '%s' is a list or map, not a single value (in %s)", key, ctx.file)
end

-------------------------------------------------------------------------------
-- Shortcode parsing
-------------------------------------------------------------------------------

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
    return pandoc.Inlines(variable_text(sc.args[1], ctx))
  elseif sc.name == 'meta' then
    return meta_inlines(sc.args[1], ctx)
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
      table.insert(out, stringify(inline_shortcode_value(sc, ctx)))
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

local function expand_attr(attr, ctx)
  for k, v in pairs(attr.attributes) do
    if v:find('{{<', 1, true) then attr.attributes[k] = expand_string(v, ctx) end
  end
  return attr
end

-- Shortcodes in URLs arrive percent-encoded ("%7B%7B%3C%20var...").
local function expand_url(url, ctx)
  if not (url:find('{{', 1, true) or url:upper():find('%7B%7B', 1, true)) then return url end
  local decoded = url:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  if not decoded:find('{{<', 1, true) then return url end
  return expand_string(decoded, ctx)
end

-- Everything inline-level in one block (its nested block lists excluded:
-- process_blocks handles those so that each list is processed exactly once).
local function inline_filter(ctx)
  return {
    Inlines = function(ils) return expand_inlines(ils, ctx) end,
    Code = function(el) el.text = expand_string(el.text, ctx) return el end,
    CodeBlock = function(el)
      el.text = expand_string(el.text, ctx)
      el.attr = expand_attr(el.attr, ctx)
      return el
    end,
    Link = function(el)
      el.target = expand_url(el.target, ctx)
      el.attr = expand_attr(el.attr, ctx)
      return el
    end,
    Image = function(el)
      el.src = expand_url(el.src, ctx)
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

-------------------------------------------------------------------------------
-- Base64 (notebook image outputs)
-------------------------------------------------------------------------------

local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local B64_INDEX = {}
for i = 1, #B64 do B64_INDEX[B64:byte(i)] = i - 1 end

local function base64_decode(data)
  data = data:gsub('[^%w%+/]', '') -- drop newlines and '=' padding
  local out, bits, nbits = {}, 0, 0
  for i = 1, #data do
    bits = (bits << 6) | B64_INDEX[data:byte(i)]
    nbits = nbits + 6
    if nbits >= 8 then
      nbits = nbits - 8
      table.insert(out, string.char((bits >> nbits) & 0xFF))
    end
  end
  return table.concat(out)
end

-------------------------------------------------------------------------------
-- Embedding notebook outputs
-------------------------------------------------------------------------------

local NOTEBOOKS = {} -- path -> decoded JSON (a notebook may be embedded often)

local function joined(value)
  -- nbformat stores text either as a string or as a list of lines.
  if type(value) == 'table' then return table.concat(value) end
  return value or ''
end

local function load_notebook(path)
  if not NOTEBOOKS[path] then
    local text = read_file(path)
    local ok, nb = pcall(pandoc.json.decode, text, false)
    if not ok or type(nb) ~= 'table' or type(nb.cells) ~= 'table' then
      fail('embed: %s is not a valid .ipynb notebook', path)
    end
    NOTEBOOKS[path] = nb
  end
  return NOTEBOOKS[path]
end

-- The leading "#| key: value" lines of a cell, parsed as YAML by pandoc so
-- that quoting works and captions are Markdown (as in Quarto).
local function cell_options(cell)
  local yaml = {}
  for line in (joined(cell.source) .. '\n'):gmatch('(.-)\r?\n') do
    local opt = line:match('^%s*#|%s?(.*)$')
    if not opt then break end
    table.insert(yaml, opt)
  end
  if #yaml == 0 then return {} end
  local ok, doc = pcall(pandoc.read, '---\n' .. table.concat(yaml, '\n') .. '\n---\n', 'markdown')
  if not ok then return {} end
  return doc.meta
end

local function quick_label(cell)
  -- Cheap scan so that only the matching cell's options are fully parsed.
  for line in (joined(cell.source) .. '\n'):gmatch('(.-)\r?\n') do
    if not line:match('^%s*#|') then break end
    local label = line:match('^%s*#|%s*label:%s*["\']?([^"\'%s]+)')
    if label then return label end
  end
  return nil
end

local function find_cell(nb, ref)
  for _, cell in ipairs(nb.cells) do
    if cell.id == ref then return cell end
  end
  for _, cell in ipairs(nb.cells) do
    if quick_label(cell) == ref then return cell end
  end
  for _, cell in ipairs(nb.cells) do
    local tags = cell.metadata and cell.metadata.tags
    if type(tags) == 'table' then
      for _, tag in ipairs(tags) do
        if tag == ref then return cell end
      end
    end
  end
  return nil
end

local IMAGE_TYPES = {
  { mime = 'image/png', ext = 'png', binary = true },
  { mime = 'image/svg+xml', ext = 'svg', binary = false },
  { mime = 'image/jpeg', ext = 'jpg', binary = true },
  { mime = 'image/gif', ext = 'gif', binary = true },
}

-- Register an image output in the media bag under its content hash, so the
-- same output always gets the same name (deterministic HTML).
-- Returns the image's mediabag name and, when the notebook recorded one in
-- the output's metadata ({"image/png": {"alt": ...}}), its alt text.
local function image_from_output(data, metadata)
  for _, it in ipairs(IMAGE_TYPES) do
    if data[it.mime] then
      local raw = joined(data[it.mime])
      local bytes = it.binary and base64_decode(raw) or raw
      local name = pandoc.utils.sha1(bytes) .. '.' .. it.ext
      pandoc.mediabag.insert(name, it.mime, bytes)
      local meta = metadata and metadata[it.mime]
      local alt = type(meta) == 'table' and type(meta.alt) == 'string' and meta.alt ~= '' and meta.alt or nil
      return name, alt
    end
  end
  return nil
end

-- Clean a table read from HTML (pandas DataFrame): keep structure, drop the
-- presentational attributes (border=1, inline styles) -- report.css styles it.
local function clean_table(tbl)
  tbl.attr = pandoc.Attr('', tbl.attr.classes, {})
  tbl.head.rows = tbl.head.rows:map(function(row) row.attr = pandoc.Attr() return row end)
  for _, body in ipairs(tbl.bodies) do
    body.body = body.body:map(function(row) row.attr = pandoc.Attr() return row end)
  end
  return tbl
end

local function first_table(blocks)
  local found
  pandoc.Blocks(blocks):walk({
    Table = function(t) if not found then found = t end end,
  })
  return found
end

-- One output (display_data / execute_result / stream) as a list of "parts":
-- {kind = 'image' | 'table' | 'blocks', ...}.
local function output_parts(output)
  local kind = output.output_type
  if kind == 'stream' then
    -- stderr is warnings and progress noise: never part of a report.
    if output.name == 'stdout' then
      return { { kind = 'blocks', blocks = { pandoc.CodeBlock(joined(output.text)) } } }
    end
    return {}
  end
  if kind ~= 'display_data' and kind ~= 'execute_result' then return {} end
  local data = output.data or {}
  local image, alt = image_from_output(data, output.metadata)
  if image then return { { kind = 'image', src = image, alt = alt } } end
  if data['text/markdown'] then
    local blocks = pandoc.read(joined(data['text/markdown']), 'markdown').blocks
    return { { kind = 'blocks', blocks = blocks, table = first_table(blocks) } }
  end
  if data['text/html'] then
    local blocks = pandoc.read(joined(data['text/html']), 'html').blocks
    local tbl = first_table(blocks)
    if tbl then return { { kind = 'table', table = clean_table(tbl) } } end
    return { { kind = 'blocks', blocks = blocks } }
  end
  if data['text/plain'] then
    return { { kind = 'blocks', blocks = { pandoc.CodeBlock(joined(data['text/plain'])) } } }
  end
  return {}
end

local function option_inlines(opts, key)
  local v = opts[key]
  if v == nil then return nil end
  if pandoc.utils.type(v) == 'Inlines' then return v end
  return pandoc.Inlines(stringify(v))
end

local function embed(sc, ctx)
  local target = sc.args[1]
  if not target then fail('embed: missing notebook path (in %s)', ctx.file) end
  local nb_rel, ref = target:match('^(.-)#(.+)$')
  if not nb_rel then
    fail("embed: '%s' has no '#label'; sosrap embeds single cells, e.g. "
      .. "{{< embed _notebooks/x.ipynb#fig-x >}} (in %s)", target, ctx.file)
  end
  local nb_path = resolve_path(nb_rel, ctx.file)
  if not nb_path then
    fail('embed: notebook not found: %s (in %s)', nb_rel, ctx.file)
  end
  local cell = find_cell(load_notebook(nb_path), ref)
  if not cell then
    fail("embed: no cell labelled '%s' in %s (in %s)", ref, nb_rel, ctx.file)
  end
  if cell.cell_type ~= 'code' then
    fail("embed: cell '%s' in %s is not a code cell (in %s)", ref, nb_rel, ctx.file)
  end
  local outputs = cell.outputs or {}
  for _, o in ipairs(outputs) do
    if o.output_type == 'error' then
      fail("embed: cell '%s' in %s failed when it was executed (%s: %s) (in %s)",
        ref, nb_rel, tostring(o.ename), tostring(o.evalue), ctx.file)
    end
  end
  if #outputs == 0 then
    fail("embed: cell '%s' in %s has no outputs. Please be sure to have executed any "
      .. 'cells that you embed (run the notebook with papermill first) (in %s)',
      ref, nb_rel, ctx.file)
  end

  local opts = cell_options(cell)
  local label = opts.label and stringify(opts.label) or ref
  local parts = {}
  for _, o in ipairs(outputs) do
    for _, p in ipairs(output_parts(o)) do table.insert(parts, p) end
  end

  if label:match('^fig%-') then
    -- Alt text: the data-driven description the notebook recorded with the
    -- image (what is shown, the range, the direction), else the cell's
    -- fig-alt, else the caption (an <img> without alt fails accessibility).
    local alt = option_inlines(opts, 'fig-alt') or option_inlines(opts, 'fig-cap')
    local images = pandoc.Inlines({})
    for _, p in ipairs(parts) do
      if p.kind == 'image' then
        local a = p.alt and pandoc.Inlines(p.alt) or (alt and alt:clone()) or {}
        images:insert(pandoc.Image(a, p.src))
      end
    end
    if #images == 0 then
      fail("embed: cell '%s' in %s has no image output for a figure (in %s)", ref, nb_rel, ctx.file)
    end
    local caption = option_inlines(opts, 'fig-cap')
    return { pandoc.Figure({ pandoc.Plain(images) },
      caption and { pandoc.Plain(caption) } or {}, pandoc.Attr(label)) }
  end

  if label:match('^tbl%-') then
    for _, p in ipairs(parts) do
      local tbl = p.table
      if tbl then
        tbl.attr.identifier = label
        local caption = option_inlines(opts, 'tbl-cap')
        if caption then tbl.caption.long = { pandoc.Plain(caption) } end
        return { tbl }
      end
    end
    fail("embed: cell '%s' in %s has no table output (HTML or Markdown table) (in %s)",
      ref, nb_rel, ctx.file)
  end

  -- Not a cross-referenceable cell: all outputs, as they are.
  local blocks = pandoc.Blocks({})
  for _, p in ipairs(parts) do
    if p.kind == 'image' then
      blocks:insert(pandoc.Para({ pandoc.Image(option_inlines(opts, 'fig-alt') or {}, p.src) }))
    elseif p.kind == 'table' then
      blocks:insert(p.table)
    else
      blocks:extend(p.blocks)
    end
  end
  return blocks
end

-------------------------------------------------------------------------------
-- Includes and the per-file pass
-------------------------------------------------------------------------------

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
  if was_auto then header.identifier = auto_identifier(header.content) end
  return header
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
  local doc = pandoc.read(read_file(path), 'markdown', PANDOC_READER_OPTIONS)
  local stack = { table.unpack(ctx.stack) }
  table.insert(stack, path)
  return process_blocks(doc.blocks, { file = path, stack = stack })
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
    else
      note_refs(block, ctx)
      out:insert(block:walk(inline_filter(ctx)))
    end
  end
  return out
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
  return kind == 'fig' and STRINGS['crossref-fig-title'] or STRINGS['crossref-tbl-title']
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

-------------------------------------------------------------------------------
-- Callouts
-------------------------------------------------------------------------------

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
    title = pandoc.Inlines(STRINGS['callout-' .. kind .. '-title'])
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

-------------------------------------------------------------------------------
-- Metadata: language, defaults, title block helpers
-------------------------------------------------------------------------------

local function set_default(meta, key, value)
  if meta[key] == nil then meta[key] = value end
end

-- Quarto's author forms: "Name", {name: ..., affiliation(s): ...}, or a list.
local function normalize_authors(meta)
  local authors = meta.author
  if authors == nil then return end
  if pandoc.utils.type(authors) ~= 'List' then authors = pandoc.List({ authors }) end
  local list = pandoc.List({})
  for _, a in ipairs(authors) do
    local entry = {}
    if pandoc.utils.type(a) == 'table' then -- MetaMap
      local name = a.name
      if pandoc.utils.type(name) == 'table' then -- {given, family} or {literal}
        name = name.literal or pandoc.Inlines(stringify(name.given or '') .. ' '
          .. stringify(name.family or ''))
      end
      entry.name = name
      local aff = a.affiliations or a.affiliation
      if aff ~= nil then
        if pandoc.utils.type(aff) ~= 'List' then aff = pandoc.List({ aff }) end
        local names = {}
        for _, x in ipairs(aff) do
          table.insert(names, stringify(pandoc.utils.type(x) == 'table' and (x.name or x) or x))
        end
        entry.affiliation = pandoc.Inlines(table.concat(names, ', '))
      end
      if a.role ~= nil then entry.role = pandoc.Inlines(stringify(a.role)) end
    else
      entry.name = a
    end
    if entry.name ~= nil then
      entry['name-text'] = stringify(entry.name)
      list:insert(entry)
    end
  end
  meta['sosrap-authors'] = list
  meta['sosrap-author-label'] = #list == 1 and STRINGS['title-block-author-single']
    or STRINGS['title-block-author-plural']
  if FORMAT == 'docx' then
    -- Word's Author paragraphs and core properties want plain names.
    meta.author = list:map(function(e)
      local text = stringify(e.name)
      if e.role then text = text .. ' (' .. stringify(e.role) .. ')' end
      return pandoc.MetaInlines(pandoc.Inlines(text))
    end)
  end
end

-- ISO dates (2026-11-15) are shown the Finnish way (15.11.2026); anything
-- else is shown as written.  `date-iso` keeps the machine-readable form.
local function format_date(meta)
  if meta.date == nil then return end
  local text = stringify(meta.date)
  local y, m, d = text:match('^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
  if y then
    meta['date-iso'] = text
    if STRINGS == LANGUAGES.fi then
      meta.date = pandoc.Inlines(string.format('%d.%d.%s', tonumber(d), tonumber(m), y))
    end
  end
  meta['sosrap-date-label'] = STRINGS['title-block-published']
  if meta.version ~= nil then
    meta['sosrap-version-label'] = STRINGS['title-block-version']
    if FORMAT == 'docx' then
      -- DOCX has no title-block field for it: the version goes with the date.
      meta.date = pandoc.Inlines(stringify(meta.date) .. ' · ' .. STRINGS['title-block-version']:lower()
        .. ' ' .. stringify(meta.version))
    end
  end
end

local function apply_language(meta)
  local lang = meta.lang and stringify(meta.lang) or 'fi'
  STRINGS = LANGUAGES[lang:match('^(%a+)')] or LANGUAGES.en
  -- Explicit `language:` overrides, as in Quarto (e.g. crossref-fig-title).
  if meta.language and pandoc.utils.type(meta.language) == 'table' then
    for k, v in pairs(meta.language) do STRINGS[k] = stringify(v) end
  end
  set_default(meta, 'toc-title', pandoc.Inlines(STRINGS['toc-title-document']))
  set_default(meta, 'reference-section-title', pandoc.Inlines(STRINGS['section-title-references']))
  set_default(meta, 'link-citations', true)
end

-------------------------------------------------------------------------------
-- The notice block (#sosrap-notice) goes right after the title block
-------------------------------------------------------------------------------

local function extract_notice(doc)
  local notice
  doc.blocks = doc.blocks:walk({
    Div = function(div)
      if div.identifier == 'sosrap-notice' and not notice then
        notice = div
        return {}
      end
    end,
  })
  if not notice then return doc end
  if is_html_format() or FORMAT:match('typst') then
    -- The template prints $sosrap-notice$ between the title block and the TOC.
    doc.meta['sosrap-notice'] = pandoc.MetaBlocks({ notice })
  else
    table.insert(doc.blocks, 1, notice)
  end
  return doc
end

-------------------------------------------------------------------------------
-- Headings: chapters are parsed one file at a time, so two chapters with the
-- same heading would both get the same id; number duplicates like pandoc does.
-------------------------------------------------------------------------------

local function dedupe_header_ids(doc)
  local seen = {}
  return doc:walk({
    Header = function(h)
      local id = h.identifier
      if id == '' then return nil end
      if seen[id] then
        local n, new = seen[id], nil
        repeat
          new = id .. '-' .. n
          n = n + 1
        until not seen[new]
        seen[id] = n
        seen[new] = 1
        h.identifier = new
        return h
      end
      seen[id] = 1
    end,
  })
end

-------------------------------------------------------------------------------
-- Main
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

function Pandoc(doc)
  DOC_META = doc.meta
  apply_language(doc.meta)
  doc.meta = expand_meta(doc.meta)
  DOC_META = doc.meta

  doc.blocks = process_blocks(doc.blocks, { file = MAIN_FILE, stack = { MAIN_FILE } })
  doc = dedupe_header_ids(doc)
  doc = number_floats(doc)
  doc = resolve_crossrefs(doc)
  doc = doc:walk({ Div = render_callout })
  doc = extract_notice(doc)
  if FORMAT:match('html') then
    -- Tables scroll inside their own box on narrow screens (report.css), and a
    -- scrollable region must be reachable by keyboard (WCAG 2.1.1).
    doc = doc:walk({ Table = function(t) t.attr.attributes.tabindex = '0'; return t end })
  end

  normalize_authors(doc.meta)
  format_date(doc.meta)
  return doc
end
