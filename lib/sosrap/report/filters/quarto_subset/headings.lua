--[[
headings.lua -- heading ids: chapters are parsed one file at a time, so two chapters with the
same heading would both get the same id; number duplicates like pandoc does.
]]

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

return {
  dedupe_header_ids = dedupe_header_ids,
}
