--[[
license.lua -- Quarto's normalisation of `license:` and `copyright:` (its
modules/license.lua), done before shortcodes run so that
{{< meta license.text >}} and {{< meta copyright.statement >}} resolve:

  license: "CC BY"       -> { type: creative-commons, text: "CC BY 4.0",
                              url: https://creativecommons.org/licenses/by/4.0/[deed.<lang>] }
  license: "anything"    -> { text: "anything" }
  copyright: "2024 Org"  -> { statement: "2024 Org" }
]]

local stringify = pandoc.utils.stringify

local function is_text(value)
  local kind = pandoc.utils.type(value)
  return kind == 'Inlines' or kind == 'string' or kind == 'Blocks'
end

local function cc_license(text, lang)
  local base, version = text:lower():match('^(cc by[^%s]*)%s*(.*)$')
  if not base then return nil end
  if version == '' then version = '4.0' end
  local code = base:gsub('^cc ', '')
  local url = 'https://creativecommons.org/licenses/' .. code .. '/' .. version .. '/'
  if lang ~= '' and lang ~= 'en' then url = url .. 'deed.' .. lang end
  return {
    type = pandoc.MetaString('creative-commons'),
    url = pandoc.MetaString(url),
    text = pandoc.MetaInlines(pandoc.Inlines(base:upper() .. ' ' .. version)),
  }
end

local function normalize(meta)
  local lang = meta.lang and stringify(meta.lang):match('^(%a+)') or ''
  if meta.license ~= nil and is_text(meta.license) then
    local text = stringify(meta.license)
    meta.license = pandoc.MetaMap(cc_license(text, lang) or { text = meta.license })
  end
  if meta.copyright ~= nil and is_text(meta.copyright) then
    meta.copyright = pandoc.MetaMap({ statement = meta.copyright })
  end
end

return { normalize = normalize }
