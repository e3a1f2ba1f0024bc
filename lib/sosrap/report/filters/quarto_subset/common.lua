--[[
common.lua -- paths, errors and small helpers every pass uses.
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
-- Errors and paths
-------------------------------------------------------------------------------

-- Level 0: no "file.lua:123:" position prefix -- the message is for editors.
local function fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

-- Draft mode (env SOSRAP_DRAFT, set by sosrap.report.render): problems in
-- the sources become warnings and Quarto's placeholders instead of errors.
local DRAFT = (os.getenv('SOSRAP_DRAFT') or '') ~= ''

local function warn(msg)
  if pandoc.log and pandoc.log.warn then pandoc.log.warn(msg) else io.stderr:write('[WARNING] ' .. msg .. '\n') end
end

-- A problem in the sources: an error when strict (the default), a warning in
-- a draft.  Returns (when it returns at all) so the caller writes its placeholder.
local function problem(fmt, ...)
  local msg = string.format(fmt, ...)
  if not DRAFT then error(msg, 0) end
  warn(msg)
end

-- Quarto's placeholder for something unresolved: <strong>?text</strong>.
local function placeholder(text)
  return pandoc.Inlines({ pandoc.Strong({ pandoc.Str('?' .. text) }) })
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

-- "file:line" of the first line of `file` containing `needle` (plain text),
-- or just "file": error messages point editors at the line.
local function where(file, needle)
  local text = file and needle and read_file(file)
  if text then
    local n = 0
    for line in (text .. '\n'):gmatch('([^\n]*)\n') do
      n = n + 1
      if line:find(needle, 1, true) then return file .. ':' .. n end
    end
  end
  return file or MAIN_FILE
end

-------------------------------------------------------------------------------
-- Values
-------------------------------------------------------------------------------

-- The parts of a dotted key: "a.b\\.c.1" -> { 'a', 'b.c', 1 } (Quarto's
-- parseOption: "\\." is a literal dot, a numeric part after the first
-- indexes a list, 1-based).
local function key_parts(key)
  local parts, buf, i = {}, {}, 1
  while i <= #key do
    local c = key:sub(i, i)
    if c == '\\' and key:sub(i + 1, i + 1) == '.' then
      table.insert(buf, '.'); i = i + 2
    elseif c == '.' then
      table.insert(parts, table.concat(buf)); buf = {}; i = i + 1
    else
      table.insert(buf, c); i = i + 1
    end
  end
  table.insert(parts, table.concat(buf))
  for n = 2, #parts do parts[n] = math.tointeger(tonumber(parts[n])) or parts[n] end
  return parts
end

-- Look up "a.b.c" in nested tables; returns value or nil.
local function lookup_dotted(root, key)
  local node = root
  for _, part in ipairs(key_parts(key)) do
    if type(node) ~= 'table' and pandoc.utils.type(node) ~= 'Meta' then return nil end
    local nxt = node[part]
    if nxt == nil then return nil end
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

-------------------------------------------------------------------------------
-- Tables
-------------------------------------------------------------------------------

local function first_table(blocks)
  local found
  pandoc.Blocks(blocks):walk({
    Table = function(t) if not found then found = t end end,
  })
  return found
end

return {
  stringify = stringify,
  NBSP = NBSP,
  is_html_format = is_html_format,
  SELF_NUMBERING = SELF_NUMBERING,
  fail = fail,
  DRAFT = DRAFT,
  warn = warn,
  problem = problem,
  placeholder = placeholder,
  where = where,
  normalize = normalize,
  dirname = dirname,
  read_file = read_file,
  file_exists = file_exists,
  MAIN_FILE = MAIN_FILE,
  PROJECT_DIR = PROJECT_DIR,
  resolve_path = resolve_path,
  lookup_dotted = lookup_dotted,
  scalar_to_string = scalar_to_string,
  first_table = first_table,
}
