--[[
deferred.lua -- (HTML) the parts of a self-contained report that sosrap.render
writes into the HTML after pandoc: the data downloads' data: URIs and the
local PNG and JPEG images. pandoc's HTML writer escapes every character of an
attribute and --embed-resources reads the whole page back and base64-encodes
each image; the CSVs and the images are almost all of a report's bytes (about
0.35 s of the demo's 1.5 s render: 0.24 s the links, 0.12 s the images).

sosrap.render asks for it with env SOSRAP_DEFERRED_LINKS (a file) and
SOSRAP_DEFERRED_PREFIX (a token unique to the render). Each deferred link gets
the token and a number as its target, each image `data:<type>;base64,` and a
token of base64's own letters (so that --embed-resources leaves it as it is);
the file maps each token to the link's URI or to the image's type and path.
render.py puts the URIs and the images' base64 in their places: byte for byte
what pandoc itself writes. Without the variables nothing is deferred.
]]

local is_html_format = require('quarto_subset.common').is_html_format

local FILE, PREFIX = os.getenv('SOSRAP_DEFERRED_LINKS'), os.getenv('SOSRAP_DEFERRED_PREFIX')
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

-- A relative path to a file in the working directory (pandoc's resource path), else nil
-- (also for a name in the mediabag: pandoc embeds that entry, not a file).
local function local_file(src)
  if src:match('^%a[%w+.-]*:') or src:sub(1, 1) == '/' or src:find('[?#%%]') then return nil end
  if pandoc.mediabag.lookup(src) then return nil end
  local fh = io.open(src, 'rb')
  if not fh then return nil end
  fh:close()
  return src
end

-- Every local PNG or JPEG image of *doc*: its src deferred.
function M.images(doc)
  if not (IMAGES and active()) then return doc end
  local token_base = PREFIX:gsub('[^%w]', '')
  return doc:walk({
    Image = function(img)
      local mime = IMAGE_TYPES[(img.src:match('%.(%w+)$') or ''):lower()]
      local path = mime and local_file(img.src)
      if not path then return nil end
      n = n + 1
      local token = token_base .. 'x' .. n
      token = token .. string.rep('A', (4 - #token % 4) % 4)       -- valid base64, as a data: URI holds
      images[token] = { mime, path }
      img.src = 'data:' .. mime .. ';base64,' .. token
      return img
    end,
  })
end

-- Write the file (always, when asked: an empty one says nothing was deferred).
function M.write()
  if not FILE then return end
  local fh = assert(io.open(FILE, 'wb'))
  fh:write(pandoc.json.encode({ links = links, images = images }))
  fh:close()
end

return M
