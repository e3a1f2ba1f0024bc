--[[
deferred.lua -- (HTML) the parts of a self-contained report that sosrap.render
writes into the HTML after pandoc: the data downloads' data: URIs and the
local PNG and JPEG images. pandoc's HTML writer escapes every character of an
attribute and --embed-resources reads the whole page back and base64-encodes
each image; the CSVs and the images are almost all of a report's bytes (about
0.35 s of the demo's 1.5 s render: 0.24 s the links, 0.12 s the images).

sosrap.render asks for it with env SOSRAP_DEFERRED_FILE (a file) and
SOSRAP_DEFERRED_PREFIX (a token unique to the render), and for images
SOSRAP_DEFERRED_IMAGES (pandoc embeds resources). Each deferred link gets the
token and a number as its target (its tag stays wider than pandoc's 72
columns, so the lines break where they would), each image a `data:` token as
long as its path (see `images`); the file maps each token to the link's URI
or to the image's type and path. render.py puts the URIs and the images'
base64 in their places: byte for byte what pandoc itself writes (tests/report:
against a render with SOSRAP_RENDER_DEFER=0). Without the variables nothing is
deferred.
]]

local is_html_format = require('quarto_subset.common').is_html_format

local FILE, PREFIX = os.getenv('SOSRAP_DEFERRED_FILE'), os.getenv('SOSRAP_DEFERRED_PREFIX')
local IMAGES = (os.getenv('SOSRAP_DEFERRED_IMAGES') or '') ~= ''   -- (pandoc was asked to embed them)
local links, images, n = {}, {}, 0

-- pandoc's types for the images it embeds as data: URIs (it inlines SVG: never deferred)
local IMAGE_TYPES = { png = 'image/png', jpg = 'image/jpeg', jpeg = 'image/jpeg' }

local function active()
  return FILE ~= nil and PREFIX ~= nil and is_html_format()
end

local M = {}

-- A Plain holding one Link (data-download.lua's `link`): its target deferred.
function M.link(plain)
  if not active() then return plain end
  local a = plain.content[1]
  n = n + 1
  local token = PREFIX .. n
  links[token] = a.target
  a.target = token
  return plain
end

-- A relative path, of characters HTML writes as they are, to a regular file in the working
-- directory (pandoc's resource path), else nil; also nil for a name in the mediabag (pandoc
-- embeds that entry, not a file) and for an image marked external (pandoc leaves it out).
local function local_file(img)
  local src = img.src
  if not src:match('^[%w._-][%w._/-]*$') or src:find('//', 1, true) or pandoc.mediabag.lookup(src)
      or img.attributes['data-external'] or img.attributes['external'] then
    return nil
  end
  local fh = io.open(src, 'rb')
  if not fh then return nil end
  local regular = fh:read(0) ~= nil          -- (nil for a directory, and for an empty file)
  fh:close()
  return regular and src or nil
end

-- Every local PNG or JPEG image of *doc*'s blocks: its src deferred. pandoc's writer breaks
-- lines by the width of what it writes, so the token is exactly as long as the path it stands
-- for (a `data:` URI, which --embed-resources leaves as it is); a path too short for one is
-- left to pandoc.
function M.images(doc)
  if not (IMAGES and active()) then return doc end
  local nonce = PREFIX:gsub('[^%w]', ''):sub(-4)       -- (short: more paths are long enough)
  doc.blocks = doc.blocks:walk({
    Image = function(img)
      local mime = IMAGE_TYPES[(img.src:match('%.(%w+)$') or ''):lower()]
      local path = mime and local_file(img)
      -- (a data: URI of the image's type: the writer chooses <img> by it, and the rest in base64's letters)
      local token = path and ('data:' .. mime .. ';base64,' .. nonce .. 'x' .. (n + 1) .. 'y')
      if not token or #token > #path then return nil end
      n = n + 1
      token = token .. string.rep('z', #path - #token)
      images[token] = { mime, path }
      img.src = token
      return img
    end,
  })
  return doc
end

-- Write the file (always, when asked: an empty one says nothing was deferred).
function M.write()
  if not FILE then return end
  local fh = assert(io.open(FILE, 'wb'))
  fh:write(pandoc.json.encode({ links = links, images = images }))
  fh:close()
end

return M
