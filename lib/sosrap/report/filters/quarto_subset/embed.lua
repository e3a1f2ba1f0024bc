--[[
embed.lua -- the {{< embed nb.ipynb#label >}} shortcode: the OUTPUTS of an executed
notebook cell, with fig-cap / fig-alt / tbl-cap from its `#|` lines. A caption or
alt text the notebook recorded in an output's metadata (in the report's language:
sosrap.report.theme.show, sosrap.report.html_table.show) wins over the static
cell option.
]]

local common = require('quarto_subset.common')
local fail, read_file, stringify = common.fail, common.read_file, common.stringify
local resolve_path, first_table = common.resolve_path, common.first_table

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

-- A non-empty string field of an output's metadata for one MIME type.
local function meta_string(metadata, mime, key)
  local meta = metadata and metadata[mime]
  local v = type(meta) == 'table' and meta[key]
  return type(v) == 'string' and v ~= '' and v or nil
end

-- Register an image output in the media bag under its content hash, so the
-- same output always gets the same name (deterministic HTML).
-- Returns the image's mediabag name and, when the notebook recorded them in
-- the output's metadata ({"image/png": {"alt": ..., "csv": ..., "caption": ...}}),
-- its alt text, data and caption.
local function image_from_output(data, metadata)
  for _, it in ipairs(IMAGE_TYPES) do
    if data[it.mime] then
      local raw = joined(data[it.mime])
      local bytes = it.binary and base64_decode(raw) or raw
      local name = pandoc.utils.sha1(bytes) .. '.' .. it.ext
      pandoc.mediabag.insert(name, it.mime, bytes)
      return name, meta_string(metadata, it.mime, 'alt'), meta_string(metadata, it.mime, 'csv'),
        meta_string(metadata, it.mime, 'caption')
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
  local image, alt, csv, caption = image_from_output(data, output.metadata)
  if image then return { { kind = 'image', src = image, alt = alt, csv = csv, caption = caption } } end
  if data['text/markdown'] then
    local blocks = pandoc.read(joined(data['text/markdown']), 'markdown').blocks
    return { { kind = 'blocks', blocks = blocks, table = first_table(blocks) } }
  end
  if data['text/html'] then
    local blocks = pandoc.read(joined(data['text/html']), 'html').blocks
    local tbl = first_table(blocks)
    if tbl then
      return { { kind = 'table', table = clean_table(tbl),
        caption = meta_string(output.metadata, 'text/html', 'caption') } }
    end
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

-- A caption the notebook recorded (Markdown, as a cell option's caption is), as inlines.
local function recorded_inlines(text)
  if not text then return nil end
  local blocks = pandoc.read(text, 'markdown').blocks
  return blocks[1] and blocks[1].content or nil
end

local embed_cell -- forward declaration

-- Code cells with outputs: what Quarto's `nb.ipynb[2]` counts (1-based).
local function output_cells(nb)
  local cells = {}
  for _, cell in ipairs(nb.cells or {}) do
    if cell.cell_type == 'code' and #(cell.outputs or {}) > 0 then table.insert(cells, cell) end
  end
  return cells
end

-- Quarto's address forms (jupyter-embed.ts): nb#id, nb#a,b (cell ids,
-- labels or tags), nb[2], nb[2-4,1] (ranges in the order given) and nb.
local function address(target, ctx)
  local nb_rel, ids = target:match('^(.-)#(.+)$')
  local ranges
  if not nb_rel then nb_rel, ranges = target:match('^(.-)%[([%d%s,%-]+)%]$') end
  nb_rel = nb_rel or target
  local nb_path = resolve_path(nb_rel, ctx.file)
  if not nb_path then
    fail('embed: notebook not found: %s (in %s)', nb_rel, ctx.file)
  end
  local refs = {}
  if ids then
    for id in ids:gmatch('[^,%s]+') do table.insert(refs, { id = id }) end
    return nb_rel, nb_path, refs
  end
  local cells = output_cells(load_notebook(nb_path))
  local function add(i)
    if not cells[i] then fail('embed: %s has no output cell %d (in %s)', nb_rel, i, ctx.file) end
    table.insert(refs, { cell = cells[i], id = nb_rel .. '[' .. i .. ']' })
  end
  if not ranges then
    for i = 1, #cells do add(i) end
    return nb_rel, nb_path, refs
  end
  for part in ranges:gmatch('[^,]+') do
    local a, b = part:match('^%s*(%d+)%s*%-%s*(%d+)%s*$')
    if a then
      local step = tonumber(a) <= tonumber(b) and 1 or -1
      for i = tonumber(a), tonumber(b), step do add(i) end
    else
      add(tonumber(part:match('%d+')))
    end
  end
  return nb_rel, nb_path, refs
end

local function embed(sc, ctx)
  local target = sc.args[1]
  if not target then fail('embed: missing notebook path (in %s)', ctx.file) end
  local nb_rel, nb_path, refs = address(target, ctx)
  local blocks = pandoc.Blocks({})
  for _, r in ipairs(refs) do
    local cell = r.cell or find_cell(load_notebook(nb_path), r.id)
    if not cell then
      fail("embed: no cell labelled '%s' in %s (in %s)", r.id, nb_rel, ctx.file)
    end
    blocks:extend(embed_cell(cell, r.id, nb_rel, ctx))
  end
  return blocks
end

embed_cell = function(cell, ref, nb_rel, ctx)
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
    local recorded
    for _, p in ipairs(parts) do
      if p.kind == 'image' and p.caption and not recorded then recorded = recorded_inlines(p.caption) end
    end
    local alt = option_inlines(opts, 'fig-alt') or recorded or option_inlines(opts, 'fig-cap')
    local images, attrs = pandoc.Inlines({}), {}
    for _, p in ipairs(parts) do
      if p.kind == 'image' then
        -- the plotted data (sosrap.report.theme.show), offered as a CSV download
        if p.csv and not attrs['sosrap-csv'] then attrs['sosrap-csv'] = p.csv end
        local a = p.alt and pandoc.Inlines(p.alt) or (alt and alt:clone()) or {}
        images:insert(pandoc.Image(a, p.src))
      end
    end
    if #images == 0 then
      fail("embed: cell '%s' in %s has no image output for a figure (in %s)", ref, nb_rel, ctx.file)
    end
    local caption = recorded or option_inlines(opts, 'fig-cap')
    return { pandoc.Figure({ pandoc.Plain(images) },
      caption and { pandoc.Plain(caption) } or {}, pandoc.Attr(label, {}, attrs)) }
  end

  if label:match('^tbl%-') then
    for _, p in ipairs(parts) do
      local tbl = p.table
      if tbl then
        tbl.attr.identifier = label
        local caption = recorded_inlines(p.caption) or option_inlines(opts, 'tbl-cap')
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

return {
  embed = embed,
}
