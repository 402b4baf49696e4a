-- Argo CD health of an osprey.dev OpenStackControlPlane, read from its status only:
-- observedGeneration tells whether the operator has seen the current spec, the Ready and
-- Degraded conditions tell how far it got. Install it as
-- resource.customizations.health.osprey.dev_OpenStackControlPlane (see argocd-cm.yaml).
local hs = {}

-- Ready=False with one of these reasons needs a human: retrying alone will not fix it.
local failed_reasons = {
  InvalidSpec = true,
  Failed = true,
  InstallFailed = true,
  UpgradeFailed = true,
  HealFailed = true,
  ReleaseFailed = true,
  NamespaceTaken = true,
  CredentialsLost = true,
}

local function condition(conditions, kind)
  for _, c in ipairs(conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  local text = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local metadata = obj.metadata or {}
local spec = obj.spec or {}
local status = obj.status or {}

if metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting: uninstalling the control plane's releases"
  return hs
end

if spec.paused == true then
  hs.status = "Suspended"
  hs.message = "Paused: spec.paused is true, the operator changes nothing"
  return hs
end

local conditions = status.conditions or {}
local generation = metadata.generation
local observed = status.observedGeneration
if observed == nil or #conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
if generation ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. string.format("%d", generation)
    .. " (status is of generation " .. string.format("%d", observed) .. ")"
  return hs
end

local degraded = condition(conditions, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded, "Degraded")
  return hs
end

local ready = condition(conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

local stale = ready.observedGeneration ~= nil and generation ~= nil
  and ready.observedGeneration < generation
if ready.status == "True" and not stale then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

if ready.status == "False" and failed_reasons[ready.reason] then
  hs.status = "Degraded"
  hs.message = describe(ready, "NotReady")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Progressing")
return hs
