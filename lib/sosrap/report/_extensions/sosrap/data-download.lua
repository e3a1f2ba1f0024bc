--[[
data-download.lua -- every figure and table offers its data as a CSV file
embedded in the report (a `data:` link), so that a reader can take the
numbers behind a float without a second file.

One file, two uses:

  * Quarto loads it as the filter of the `sosrap` extension
    (`_extensions/sosrap/_extension.yml`; the build stages the extension into
    every report project and lists it under `filters:`). It runs at Quarto's
    `post-render` entry point, when the notebook embeds are resolved and the
    floats are rendered to plain pandoc blocks (a `div#fig-…` / `div#tbl-…`
    holding the figure or table), and puts the download link right after each
    float. It also reads the AST pandoc itself reads (a Figure, a captioned
    Table, a `::: {#fig-…}` div), so it works at any entry point.
  * sosrap's pandoc engine loads the same file as a module
    (`quarto_subset/floats.lua`) and puts the link inside the float it writes.

Written to pandoc's Lua API only (nothing of Quarto's), since Quarto cannot
be installed on the build machines.

Where a float's data comes from, first found:
  1. the CSV beside a figure's PNG (`x.png` -> `x.csv`; the generated
     indicator sections write one per figure);
  2. the output metadata of the executed notebook cell whose label is the
     float's id (`_notebooks/*.ipynb`, {"image/png": {"csv": ...}}: recorded
     by `sosrap.report.theme.show`); the pandoc engine passes it directly;
  3. the table itself (RFC 4180; pandoc reads CSV but does not write it),
     also a table in raw HTML.

The link text is the document's `sosrap-data-download` metadata (the build
writes it in the report's language), else English.
]]

local M = {}

local DEFAULT_TEXT = 'Download the data (CSV)'

local function kind_of(id)
  return id and (id:match('^(fig)%-') or id:match('^(tbl)%-')) or nil
end

local function read_file(path)
  local fh = io.open(path, 'rb')
  if not fh then return nil end
  local text = fh:read('a')
  fh:close()
  return text
end

-- The first pandoc Table in *blocks*, also one written as raw HTML (which
-- pandoc's Markdown reader keeps as raw pieces around the cells' text).
local function first_table(blocks)
  local found, raw = nil, {}
  local function keep(r)
    if r.format:match('html') then table.insert(raw, r.text) end
  end
  pandoc.Blocks(blocks):walk({
    Table = function(t) found = found or t end,
    RawBlock = keep,
    RawInline = keep,
  })
  if found or not table.concat(raw):match('<table') then return found end
  -- the pieces and the text between them, written out and read back as HTML
  local ok, doc = pcall(function() return pandoc.read(pandoc.write(pandoc.Pandoc(blocks), 'html'), 'html') end)
  if ok then
    doc:walk({ Table = function(t) found = found or t end })
  end
  return found
end

-- A table as CSV (RFC 4180).
function M.table_csv(tbl)
  local lines = {}
  local function add_rows(rows)
    for _, row in ipairs(rows) do
      local cells = {}
      for _, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        if text:find('[,"\n]') then text = '"' .. text:gsub('"', '""') .. '"' end
        table.insert(cells, text)
      end
      table.insert(lines, table.concat(cells, ','))
    end
  end
  add_rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do add_rows(body.head); add_rows(body.body) end
  add_rows(tbl.foot.rows)
  return table.concat(lines, '\n') .. '\n'
end

-- The CSV beside the first PNG image of *blocks* (relative to *project_dir*
-- for a project-absolute `/x.png`), or nil.
function M.sibling_csv(blocks, project_dir)
  local src
  pandoc.Blocks(blocks):walk({ Image = function(img) src = src or img.src end })
  if not src or not src:match('%.png$') or src:match('^%a+:') then return nil end
  local path = src:gsub('%.png$', '.csv')
  if path:sub(1, 1) == '/' then return read_file((project_dir or '.') .. path) end
  return read_file(path) or (project_dir and read_file(pandoc.path.join({ project_dir, path })))
end

-- label -> CSV recorded in the output metadata of the staged notebooks' cells.
local RECORDED
local function recorded_csvs(project_dir)
  if RECORDED then return RECORDED end
  RECORDED = {}
  local dir = pandoc.path.join({ project_dir or '.', '_notebooks' })
  local ok, names = pcall(pandoc.system.list_directory, dir)
  if not ok then return RECORDED end
  table.sort(names)
  for _, name in ipairs(names) do
    if name:match('%.ipynb$') then
      local text = read_file(pandoc.path.join({ dir, name }))
      local okj, nb = pcall(pandoc.json.decode, text or '', false)
      for _, cell in ipairs(okj and type(nb) == 'table' and nb.cells or {}) do
        local source = type(cell.source) == 'table' and table.concat(cell.source) or (cell.source or '')
        local label = source:match('^%s*#|%s*label:%s*["\']?([%w_%-]+)')
          or source:match('\n%s*#|%s*label:%s*["\']?([%w_%-]+)')
        for _, out in ipairs(label and cell.outputs or {}) do
          local meta = type(out.metadata) == 'table' and out.metadata['image/png']
          if type(meta) == 'table' and type(meta.csv) == 'string' and not RECORDED[label] then
            RECORDED[label] = meta.csv
          end
        end
      end
    end
  end
  return RECORDED
end

-- The data of the float *id* holding *blocks*: *known* (what the caller
-- recorded), the image's sibling CSV, the notebook cell's recorded CSV or
-- the table; nil when there is none.
function M.float_csv(id, blocks, known, project_dir)
  if known then return known end
  local csv = M.sibling_csv(blocks, project_dir)
  if csv then return csv end
  if kind_of(id) == 'fig' then
    csv = recorded_csvs(project_dir)[id]
    if csv then return csv end
  end
  local tbl = first_table(blocks)
  return tbl and M.table_csv(tbl) or nil
end

-- Percent-encoding of every byte, looked up by gsub (a table is much faster than a
-- function called per character, and the CSVs are most of a report's characters).
local PERCENT = {}
for byte = 0, 255 do PERCENT[string.char(byte)] = string.format('%%%02X', byte) end

-- The download link: <a download="id.csv" class="sosrap-data-download"> with the
-- CSV (UTF-8 with a byte order mark, for spreadsheet programs) in a data: URI.
function M.link(id, csv, text)
  local encoded = csv:gsub('[^%w%-%._~]', PERCENT)
  return pandoc.Plain({ pandoc.Link(text or DEFAULT_TEXT, 'data:text/csv;charset=utf-8,%EF%BB%BF' .. encoded, '',
    pandoc.Attr('', { 'sosrap-data-download' }, { download = id .. '.csv' })) })
end

-------------------------------------------------------------------------------
-- As a filter (Quarto)
-------------------------------------------------------------------------------

local function is_download(block)
  if not block then return false end
  local found = false
  pandoc.Blocks({ block }):walk({
    Link = function(l) if l.classes:includes('sosrap-data-download') then found = true end end,
  })
  return found
end

-- A float's id and content: a Figure, a Table or a Div with a #fig-/#tbl- id.
local function float_of(block)
  if block.t == 'Figure' or block.t == 'Div' then
    if kind_of(block.identifier) then return block.identifier, block.content end
  elseif block.t == 'Table' and kind_of(block.identifier) then
    return block.identifier, { block }
  elseif block.t == 'Para' and #block.content == 1 and block.content[1].t == 'Image'
      and kind_of(block.content[1].identifier) then
    return block.content[1].identifier, { block }
  end
  return nil
end

local function add_links(blocks, text, project_dir)
  local out = pandoc.Blocks({})
  for i, block in ipairs(blocks) do
    out:insert(block)
    local id, content = float_of(block)
    if id and not is_download(blocks[i + 1]) then
      local csv = M.float_csv(id, content, nil, project_dir)
      if csv then
        out:insert(pandoc.Div({ M.link(id, csv, text) }, pandoc.Attr('', { 'sosrap-data' })))
      end
    end
  end
  return out
end

function M.Pandoc(doc)
  local text = doc.meta['sosrap-data-download']
  text = text and pandoc.utils.stringify(text) or DEFAULT_TEXT
  -- Quarto's project folder (where `_notebooks/` is staged), else the input's folder
  local project_dir = (quarto and quarto.project and quarto.project.directory)
    or os.getenv('QUARTO_PROJECT_DIR')
    or (PANDOC_STATE.input_files[1] and pandoc.path.directory(PANDOC_STATE.input_files[1])) or '.'
  doc.blocks = doc.blocks:walk({ Blocks = function(bs) return add_links(bs, text, project_dir) end })
  return doc
end

-- Pandoc takes the returned table as the filter (it reads only the element
-- functions: `Pandoc`); the pandoc engine uses the module functions.
return M
