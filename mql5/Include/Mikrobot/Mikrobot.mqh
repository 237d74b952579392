//+------------------------------------------------------------------+
//|                                                     Mikrobot.mqh |
//|   mikrobot C ABI for MQL5: the one #import block, the shared     |
//|   structs and the CMikrobot wrapper class.                       |
//+------------------------------------------------------------------+
//--- Every declaration below mirrors include/mikrobot.h; a test compares the two (names, order,
//--- types and sizes). The structs have 8-byte fields first and sizes that are multiples of 8,
//--- so MQL5's packed layout and C's padded layout are the same bytes.
#define MB_ABI_VERSION                 4
#define MB_LAST_ERROR_CAPACITY         512
#define MB_SYMBOL_CAPACITY             33
//--- statuses (MbStatus)
#define MB_STATUS_OK                   0
#define MB_STATUS_NULL_POINTER         1
#define MB_STATUS_BUFFER_TOO_SMALL     2
#define MB_STATUS_INVALID_UTF8         3
#define MB_STATUS_INVALID_UTF16        4
#define MB_STATUS_NOT_FINITE           5
#define MB_STATUS_INVALID_HANDLE       6
#define MB_STATUS_BUSY                 7
#define MB_STATUS_PANIC                8
#define MB_STATUS_ABI_MISMATCH         9
#define MB_STATUS_INVALID_CONFIG       10
#define MB_STATUS_INVALID_ARGUMENT     11
#define MB_STATUS_TOO_MANY_HANDLES     12
#define MB_STATUS_STATE_FAILED         13
#define MB_STATUS_INVALID_TIME         14
#define MB_STATUS_INVALID_STATE        15
#define MB_STATUS_QUEUE_FULL           16
#define MB_STATUS_QUEUE_EMPTY          17
//--- verdicts
#define MB_VERDICT_MAY_TRADE           0
#define MB_VERDICT_CLOSE_ALL           1
#define MB_VERDICT_BLOCKED             2
//--- rules and their status
#define MB_RULE_DAILY_LOSS             0
#define MB_RULE_MAX_LOSS               1
#define MB_RULE_PROFIT_TARGET          2
#define MB_RULE_MIN_TRADING_DAYS       3
#define MB_RULE_BEST_DAY               4
#define MB_RULE_STATUS_OK              0
#define MB_RULE_STATUS_WARNING         1
#define MB_RULE_STATUS_BREACHED        2
#define MB_RULE_STATUS_NOT_MET         3
#define MB_RULE_STATUS_MET             4
//--- XPWS modes
#define MB_XPWS_NORMAL                 0
#define MB_XPWS_ACTIVE                 1
//--- events and their priority
#define MB_EVENT_BREACHED              1
#define MB_EVENT_WARNING               2
#define MB_EVENT_BUFFER_ENTERED        3
#define MB_EVENT_LIFTED                4
#define MB_EVENT_BLOCKED               5
#define MB_EVENT_UNBLOCKED             6
#define MB_EVENT_DAY_RESET             7
#define MB_EVENT_GOAL_MET              8
#define MB_EVENT_XPWS_ACTIVATED        9
#define MB_PRIORITY_LOW                0
#define MB_PRIORITY_MEDIUM             1
#define MB_PRIORITY_HIGH               2
#define MB_PRIORITY_CRITICAL           3
//--- latency stages
#define MB_STAGE_SIGNAL                0
#define MB_STAGE_EXECUTION             1
//--- backups and maintenance jobs
#define MB_BACKUP_KIND_SYSTEM          0
#define MB_BACKUP_KIND_TRADING         1
#define MB_BACKUP_KIND_CONFIGURATION   2
#define MB_BACKUP_REASON_SCHEDULED     0
#define MB_BACKUP_REASON_MANUAL        1
#define MB_BACKUP_REASON_PRE_RESTORE   2
#define MB_JOB_NONE                    0
#define MB_JOB_BACKUP                  1
#define MB_JOB_VERIFY                  2
#define MB_JOB_RESTORE                 3
#define MB_JOB_JANITOR                 4
#define MB_JOB_STATE_IDLE              0
#define MB_JOB_STATE_RUNNING           1
#define MB_JOB_STATE_SUCCEEDED         2
#define MB_JOB_STATE_FAILED            3
//--- outbox channels, text parts and delivery outcomes
#define MB_CHANNEL_SCREEN              0
#define MB_CHANNEL_PUSH                1
#define MB_CHANNEL_EMAIL               2
#define MB_CHANNEL_SMS                 3
#define MB_CHANNEL_WEBHOOK             4
#define MB_CHANNELS_ALL                31
#define MB_OUTBOX_SUBJECT              0
#define MB_OUTBOX_TEXT                 1
#define MB_OUTBOX_RECIPIENTS           2
#define MB_DELIVERY_DELIVERED          0
#define MB_DELIVERY_RETRY              1
#define MB_DELIVERY_GIVEN_UP           2
#define MB_DELIVERY_UNKNOWN_ITEM       3
//--- health levels, checks and the reasons a value is unknown
#define MB_HEALTH_OK                   0
#define MB_HEALTH_WARNING              1
#define MB_HEALTH_UNKNOWN              2
#define MB_HEALTH_CRITICAL             3
#define MB_CHECK_CPU                   0
#define MB_CHECK_MEMORY                1
#define MB_CHECK_DISK                  2
#define MB_CHECK_CONNECTIVITY          3
#define MB_CHECK_SIGNAL_LATENCY        4
#define MB_CHECK_EXECUTION_SUCCESS     5
#define MB_CHECK_COMPLIANCE            6
#define MB_CHECK_DAILY_LIMIT_USED      7
#define MB_CHECK_COUNT                 8
#define MB_UNKNOWN_NONE                0
#define MB_UNKNOWN_NOT_SAMPLED_YET     1
#define MB_UNKNOWN_NEEDS_SECOND_SAMPLE 2
#define MB_UNKNOWN_NOT_SUPPORTED       3
#define MB_UNKNOWN_DISK_NOT_FOUND      4
#define MB_UNKNOWN_READ_FAILED         5
#define MB_UNKNOWN_PROCESS_NOT_FOUND   6
//--- incidents and recovery checklist phases
#define MB_INCIDENT_SYSTEM_FAILURE     0
#define MB_INCIDENT_TRADING_INTERRUPTION 1
#define MB_INCIDENT_COMPLIANCE_VIOLATION 2
#define MB_INCIDENT_SECURITY           3
#define MB_INCIDENT_STATUS_OPEN        0
#define MB_INCIDENT_STATUS_RESPONDED   1
#define MB_PHASE_ASSESS                0
#define MB_PHASE_RESPOND               1
#define MB_PHASE_RECOVER               2
#define MB_PHASE_REVIEW                3
//+------------------------------------------------------------------+
//| Shared structs; every time is server time in milliseconds.       |
//+------------------------------------------------------------------+
struct MbAbi
  {
   uint              abi_version;
   uint              snapshot_size;
   uint              deal_size;
   uint              order_intent_size;
   uint              decision_size;
   uint              pre_trade_size;
   uint              rule_report_size;
   uint              event_size;
   uint              signal_size;
   uint              latency_summary_size;
   uint              outbox_item_size;
   uint              health_size;
   uint              health_check_size;
   uint              vitals_size;
   uint              incident_size;
   uint              backup_info_size;
   uint              maintenance_status_size;
  };
struct MbSnapshot
  {
   long              time_ms;
   double            balance;
   double            equity;
   double            margin;
   double            free_margin;
   int               connected;
   int               open_positions;
   int               pending_orders;
   int               reserved;
  };
struct MbDeal
  {
   long              time_ms;
   ulong             ticket;
   ulong             position_id;
   ulong             order;
   long              magic;
   double            volume;
   double            price;
   double            profit;
   double            commission;
   double            swap;
   double            fee;
   int               deal_type;
   int               entry;
  };
struct MbOrderIntent
  {
   long              time_ms;
   double            volume;
   double            entry_price;
   double            stop_loss;
   double            tick_size;
   double            tick_value;
   double            commission_per_lot;
   int               side;
   int               reserved;
  };
struct MbDecision
  {
   long              time_ms;
   int               verdict;
   int               reason;
  };
struct MbPreTrade
  {
   double            max_volume;
   double            suggested_volume;
   double            risk;
   int               allowed;
   int               reason;
  };
struct MbRuleReport
  {
   double            floor;
   double            value;
   double            room;
   double            used_share;
   long              breach_time_ms;
   double            breach_equity;
   double            breach_floor;
   double            breach_min_equity;
   int               rule;
   int               status;
   int               has_breach;
   int               breach_hard;
  };
struct MbEvent
  {
   long              time_ms;
   double            equity;
   double            level;
   double            share;
   int               kind;
   int               priority;
   int               rule;
   int               verdict;
   int               reason;
   int               reserved;
  };
struct MbSignal
  {
   ulong             id;
   long              time_ms;
   long              created_us;
   double            volume;
   double            price;
   double            stop_loss;
   double            take_profit;
   int               side;
   int               priority;
  };
struct MbLatencySummary
  {
   ulong             count;
   ulong             p50_us;
   ulong             p90_us;
   ulong             p99_us;
   ulong             p999_us;
   ulong             max_us;
   double            mean_us;
   double            under_target_share;
   ulong             target_us;
   ulong             saturated;
   long              time_ms;
   int               stage;
   int               window;
  };
struct MbOutboxItem
  {
   ulong             id;
   ulong             alert_id;
   long              created_ms;
   int               channel;
   int               priority;
   int               attempts;
   int               recipients;
  };
struct MbHealth
  {
   long              vitals_time_ms;
   ulong             vitals_samples;
   int               overall;
   int               checks;
   int               sampler;
   int               reserved;
  };
struct MbHealthCheck
  {
   double            value;
   int               check;
   int               level;
   int               unknown;
   int               soft;
   int               flapping;
   int               reserved;
  };
struct MbVitals
  {
   long              time_ms;
   ulong             samples;
   double            cpu_percent;
   double            cpu_average_percent;
   double            memory_percent;
   double            disk_percent;
   double            process_memory_bytes;
   double            process_disk_write_bytes_per_s;
   int               cpu_unknown;
   int               cpu_average_unknown;
   int               memory_unknown;
   int               disk_unknown;
   int               process_memory_unknown;
   int               process_disk_write_unknown;
  };
struct MbIncident
  {
   ulong             id;
   long              opened_ms;
   long              respond_by_ms;
   long              responded_ms;
   ulong             alert_id;
   int               kind;
   int               status;
   int               deadline_missed;
   int               preserve_logs;
   int               checklist_items;
   int               checklist_done;
   int               actions;
   int               reserved;
  };
struct MbBackupInfo
  {
   long              created_ms;
   ulong             total_size;
   ulong             files;
   int               kind;
   int               reason;
  };
struct MbMaintenanceStatus
  {
   ulong             bytes;
   ulong             files;
   ulong             deleted;
   ulong             locked;
   ulong             issues;
   ulong             steps;
   int               job;
   int               state;
  };
//+------------------------------------------------------------------+
//| The DLL. Text arguments are MQL5 strings (UTF-16); text comes    |
//| back through ushort arrays with their capacity.                  |
//+------------------------------------------------------------------+
#import "mikrobot.dll"
uint mb_abi_version(void);
int  mb_abi_check(const MbAbi &abi);
int  mb_last_error_utf16(ushort &buffer[],uint capacity,uint &needed);
int  mb_guard_open_utf16(const MbAbi &abi,const string config_toml,const string state_dir,
                         ulong &handle);
int  mb_guard_close(ulong handle);
int  mb_guard_feed_snapshot(ulong handle,const MbSnapshot &snapshot,MbDecision &decision);
int  mb_guard_feed_deal_utf16(ulong handle,const MbDeal &deal,const string symbol,
                              const string comment,MbDecision &decision);
int  mb_guard_history_begin(ulong handle,long covered_from_ms,long account_start_ms);
int  mb_guard_history_add_utf16(ulong handle,const MbDeal &deal,const string symbol,
                                const string comment);
int  mb_guard_history_end(ulong handle,long time_ms,double balance,double equity,
                          int open_positions,MbDecision &decision);
int  mb_guard_feed_time(ulong handle,long time_ms,MbDecision &decision);
int  mb_guard_check_order_utf16(ulong handle,const MbOrderIntent &intent,const string symbol,
                                MbPreTrade &result);
int  mb_guard_decision(ulong handle,MbDecision &decision);
int  mb_guard_rules(ulong handle,MbRuleReport &reports[],uint capacity,uint &count);
int  mb_guard_xpws_utf16(ulong handle,const string symbol,int &mode,double &take_profit_ratio);
int  mb_guard_poll_event_utf16(ulong handle,MbEvent &event,ushort &message[],uint capacity,
                               uint &needed,int &written);
int  mb_reason_describe_utf16(int reason,ushort &buffer[],uint capacity,uint &needed);
int  mb_signal_push_utf16(ulong handle,const MbSignal &signal,const string symbol);
int  mb_signal_pop_utf16(ulong handle,MbSignal &signal,ushort &symbol[],uint capacity,
                         uint &needed);
int  mb_latency_record(ulong handle,int stage,double latency_us,long time_ms);
int  mb_latency_summary(ulong handle,int stage,long now_ms,MbLatencySummary &cumulative,
                        MbLatencySummary &window);
int  mb_guard_outbox_poll(ulong handle,long time_ms,uint channels,MbOutboxItem &item,
                          int &written);
int  mb_guard_outbox_text_utf16(ulong handle,ulong item_id,int part,ushort &buffer[],
                                uint capacity,uint &needed);
int  mb_guard_outbox_ack(ulong handle,ulong item_id,int delivered,long time_ms,int &outcome,
                         long &retry_at_ms);
int  mb_guard_alert_acknowledge_utf16(ulong handle,ulong alert_id,const string by,long time_ms);
int  mb_guard_alert_resolve(ulong handle,ulong alert_id,long time_ms);
int  mb_guard_health(ulong handle,MbHealth &health,MbHealthCheck &checks[],uint capacity,
                     uint &count);
int  mb_guard_vitals(ulong handle,MbVitals &vitals);
int  mb_guard_incidents(ulong handle,MbIncident &incidents[],uint capacity,uint &count);
int  mb_guard_incident_summary_utf16(ulong handle,ulong incident_id,ushort &buffer[],
                                     uint capacity,uint &needed);
int  mb_guard_incident_item_utf16(ulong handle,ulong incident_id,uint index,int &phase,
                                  long &done_ms,ushort &buffer[],uint capacity,uint &needed);
int  mb_guard_incident_tick_utf16(ulong handle,ulong incident_id,uint index,const string by,
                                  long time_ms);
int  mb_backup_start_utf16(ulong handle,int kind,long time_ms,ushort &id[],uint capacity,
                           uint &needed);
int  mb_backup_verify_utf16(ulong handle,const string id);
int  mb_backup_list(ulong handle,MbBackupInfo &backups[],uint capacity,uint &count);
int  mb_backup_list_id_utf16(ulong handle,uint index,ushort &buffer[],uint capacity,
                             uint &needed);
int  mb_backup_restore_utf16(ulong handle,const string id,long time_ms);
int  mb_janitor_start(ulong handle,long time_ms);
int  mb_maintenance_poll(ulong handle,MbMaintenanceStatus &status);
int  mb_maintenance_report_utf16(ulong handle,ushort &buffer[],uint capacity,uint &needed);
#import
//+------------------------------------------------------------------+
//| CMikrobot: one guarded account behind one handle.                |
//+------------------------------------------------------------------+
class CMikrobot
  {
private:
   ulong             m_handle;
   int               m_last_status;
   string            m_last_error;
   MbDecision        m_decision;
   bool              Check(const int status,const string call);
   bool              Note(const int status,const string call);
   MbAbi             CurrentAbi(void) const;
public:
                     CMikrobot(void);
                    ~CMikrobot(void);
   //--- lifetime
   bool              Open(const string config_toml,const string state_dir);
   void              Close(void);
   bool              IsOpen(void) const { return(m_handle!=0); }
   //--- feeding
   bool              FeedSnapshot(const MbSnapshot &snapshot);
   bool              FeedDeal(const MbDeal &deal,const string symbol,const string comment);
   bool              FeedTime(const long server_ms);
   bool              BeginHistory(const long covered_from_ms,const long account_start_ms);
   bool              AddHistoryDeal(const MbDeal &deal,const string symbol,const string comment);
   bool              EndHistory(const long server_ms,const double balance,const double equity,
                                const int open_positions);
   //--- reading
   bool              CheckOrder(const MbOrderIntent &intent,const string symbol,
                                MbPreTrade &result);
   bool              Refresh(void);
   int               Verdict(void) const { return(m_decision.verdict); }
   int               Reason(void) const { return(m_decision.reason); }
   int               Rules(MbRuleReport &reports[]);
   bool              Xpws(const string symbol,int &mode,double &take_profit_ratio);
   bool              PollEvent(MbEvent &event,string &message);
   string            ReasonText(const int reason);
   //--- signal queue and latency
   bool              PushSignal(const MbSignal &signal,const string symbol);
   bool              PopSignal(MbSignal &signal,string &symbol);
   bool              RecordLatency(const int stage,const double latency_us,const long server_ms);
   bool              LatencySummary(const int stage,const long server_ms,
                                    MbLatencySummary &cumulative,MbLatencySummary &window);
   //--- alerts, health and incidents; a failure here leaves the verdict as it is
   bool              PollOutbox(const long server_ms,const uint channels,MbOutboxItem &item);
   bool              OutboxText(const ulong item_id,const int part,string &text);
   bool              AckOutbox(const ulong item_id,const bool delivered,const long server_ms,
                               int &outcome,long &retry_at_ms);
   bool              AcknowledgeAlert(const ulong alert_id,const string by,const long server_ms);
   bool              ResolveAlert(const ulong alert_id,const long server_ms);
   bool              Health(MbHealth &health,MbHealthCheck &checks[]);
   bool              Vitals(MbVitals &vitals);
   int               Incidents(MbIncident &incidents[]);
   bool              IncidentSummary(const ulong incident_id,string &summary);
   bool              IncidentItem(const ulong incident_id,const uint index,int &phase,
                                  long &done_ms,string &text);
   bool              TickIncidentItem(const ulong incident_id,const uint index,const string by,
                                      const long server_ms);
   int               LastStatus(void) const { return(m_last_status); }
   string            LastError(void) const { return(m_last_error); }
  };
//+------------------------------------------------------------------+
//| Constructor: no handle yet.                                      |
//+------------------------------------------------------------------+
CMikrobot::CMikrobot(void) : m_handle(0),m_last_status(MB_STATUS_OK),m_last_error("")
  {
   ZeroMemory(m_decision);
   m_decision.verdict=MB_VERDICT_BLOCKED;
  }
//+------------------------------------------------------------------+
//| Destructor: releases the handle.                                 |
//+------------------------------------------------------------------+
CMikrobot::~CMikrobot(void)
  {
   Close();
  }
//+------------------------------------------------------------------+
//| The ABI version and struct sizes this include was written for.   |
//+------------------------------------------------------------------+
MbAbi CMikrobot::CurrentAbi(void) const
  {
   MbAbi abi;
   abi.abi_version=MB_ABI_VERSION;
   abi.snapshot_size=sizeof(MbSnapshot);
   abi.deal_size=sizeof(MbDeal);
   abi.order_intent_size=sizeof(MbOrderIntent);
   abi.decision_size=sizeof(MbDecision);
   abi.pre_trade_size=sizeof(MbPreTrade);
   abi.rule_report_size=sizeof(MbRuleReport);
   abi.event_size=sizeof(MbEvent);
   abi.signal_size=sizeof(MbSignal);
   abi.latency_summary_size=sizeof(MbLatencySummary);
   abi.outbox_item_size=sizeof(MbOutboxItem);
   abi.health_size=sizeof(MbHealth);
   abi.health_check_size=sizeof(MbHealthCheck);
   abi.vitals_size=sizeof(MbVitals);
   abi.incident_size=sizeof(MbIncident);
   abi.backup_info_size=sizeof(MbBackupInfo);
   abi.maintenance_status_size=sizeof(MbMaintenanceStatus);
   return(abi);
  }
//+------------------------------------------------------------------+
//| Stores the status, and the library's message when it failed.     |
//| A failed call leaves the verdict BLOCKED, so an EA never trades  |
//| on a decision older than the call that failed.                   |
//+------------------------------------------------------------------+
bool CMikrobot::Check(const int status,const string call)
  {
   if(Note(status,call))
      return(true);
   m_decision.verdict=MB_VERDICT_BLOCKED;
   return(false);
  }
//+------------------------------------------------------------------+
//| Stores the status, and the library's message when it failed,     |
//| without touching the verdict.                                    |
//+------------------------------------------------------------------+
bool CMikrobot::Note(const int status,const string call)
  {
   m_last_status=status;
   if(status==MB_STATUS_OK)
      return(true);
   ushort buffer[];
   ArrayResize(buffer,MB_LAST_ERROR_CAPACITY);
   uint needed=0;
   mb_last_error_utf16(buffer,MB_LAST_ERROR_CAPACITY,needed);
   m_last_error=call+" failed with status "+IntegerToString(status)+": "+
                ShortArrayToString(buffer);
   return(false);
  }
//+------------------------------------------------------------------+
//| Opens the guard; fails with ABI_MISMATCH for another DLL build.  |
//+------------------------------------------------------------------+
bool CMikrobot::Open(const string config_toml,const string state_dir)
  {
   Close();
   if(mb_abi_version()!=MB_ABI_VERSION)
     {
      m_last_status=MB_STATUS_ABI_MISMATCH;
      m_last_error="mikrobot.dll has ABI version "+IntegerToString(mb_abi_version())+
                   ", but Mikrobot.mqh is for version "+IntegerToString(MB_ABI_VERSION)+
                   "; install the matching DLL and include";
      return(false);
     }
   MbAbi abi=CurrentAbi();
   return(Check(mb_guard_open_utf16(abi,config_toml,state_dir,m_handle),"mb_guard_open"));
  }
//+------------------------------------------------------------------+
//| Closes the guard; the handle is invalid afterwards.              |
//+------------------------------------------------------------------+
void CMikrobot::Close(void)
  {
   if(m_handle==0)
      return;
   Check(mb_guard_close(m_handle),"mb_guard_close");
   m_handle=0;
  }
//+------------------------------------------------------------------+
//| Feeds the account; the decision is kept for Verdict and Reason.  |
//+------------------------------------------------------------------+
bool CMikrobot::FeedSnapshot(const MbSnapshot &snapshot)
  {
   return(Check(mb_guard_feed_snapshot(m_handle,snapshot,m_decision),"mb_guard_feed_snapshot"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::FeedDeal(const MbDeal &deal,const string symbol,const string comment)
  {
   int status=mb_guard_feed_deal_utf16(m_handle,deal,symbol,comment,m_decision);
   return(Check(status,"mb_guard_feed_deal_utf16"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::FeedTime(const long server_ms)
  {
   return(Check(mb_guard_feed_time(m_handle,server_ms,m_decision),"mb_guard_feed_time"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::BeginHistory(const long covered_from_ms,const long account_start_ms)
  {
   int status=mb_guard_history_begin(m_handle,covered_from_ms,account_start_ms);
   return(Check(status,"mb_guard_history_begin"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::AddHistoryDeal(const MbDeal &deal,const string symbol,const string comment)
  {
   int status=mb_guard_history_add_utf16(m_handle,deal,symbol,comment);
   return(Check(status,"mb_guard_history_add_utf16"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::EndHistory(const long server_ms,const double balance,const double equity,
                           const int open_positions)
  {
   int status=mb_guard_history_end(m_handle,server_ms,balance,equity,open_positions,m_decision);
   return(Check(status,"mb_guard_history_end"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::CheckOrder(const MbOrderIntent &intent,const string symbol,MbPreTrade &result)
  {
   int status=mb_guard_check_order_utf16(m_handle,intent,symbol,result);
   return(Check(status,"mb_guard_check_order_utf16"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::Refresh(void)
  {
   return(Check(mb_guard_decision(m_handle,m_decision),"mb_guard_decision"));
  }
//+------------------------------------------------------------------+
//| Fills reports with every rule; returns the count, or -1.         |
//+------------------------------------------------------------------+
int CMikrobot::Rules(MbRuleReport &reports[])
  {
   uint count=0;
   ArrayResize(reports,8);
   int status=mb_guard_rules(m_handle,reports,8,count);
   if(status==MB_STATUS_BUFFER_TOO_SMALL)
     {
      ArrayResize(reports,(int)count);
      status=mb_guard_rules(m_handle,reports,count,count);
     }
   if(!Check(status,"mb_guard_rules"))
      return(-1);
   ArrayResize(reports,(int)count);
   return((int)count);
  }
//+------------------------------------------------------------------+
bool CMikrobot::Xpws(const string symbol,int &mode,double &take_profit_ratio)
  {
   int status=mb_guard_xpws_utf16(m_handle,symbol,mode,take_profit_ratio);
   return(Check(status,"mb_guard_xpws_utf16"));
  }
//+------------------------------------------------------------------+
//| Takes the next event; false when none is pending or on failure.  |
//+------------------------------------------------------------------+
bool CMikrobot::PollEvent(MbEvent &event,string &message)
  {
   ushort buffer[];
   ArrayResize(buffer,MB_LAST_ERROR_CAPACITY);
   uint needed=0;
   int written=0;
   int status=mb_guard_poll_event_utf16(m_handle,event,buffer,MB_LAST_ERROR_CAPACITY,needed,
                                        written);
   //--- a cut message still comes with its event
   if(status!=MB_STATUS_BUFFER_TOO_SMALL && !Check(status,"mb_guard_poll_event_utf16"))
      return(false);
   message=ShortArrayToString(buffer);
   return(written==1);
  }
//+------------------------------------------------------------------+
string CMikrobot::ReasonText(const int reason)
  {
   ushort buffer[];
   ArrayResize(buffer,MB_LAST_ERROR_CAPACITY);
   uint needed=0;
   if(!Check(mb_reason_describe_utf16(reason,buffer,MB_LAST_ERROR_CAPACITY,needed),
             "mb_reason_describe_utf16"))
      return("reason "+IntegerToString(reason));
   return(ShortArrayToString(buffer));
  }
//+------------------------------------------------------------------+
//| Queues a signal for the executor. A full queue returns false     |
//| with LastStatus() MB_STATUS_QUEUE_FULL and leaves the verdict as |
//| it is, because shedding a signal is not a fault of the account.  |
//+------------------------------------------------------------------+
bool CMikrobot::PushSignal(const MbSignal &signal,const string symbol)
  {
   int status=mb_signal_push_utf16(m_handle,signal,symbol);
   if(status==MB_STATUS_QUEUE_FULL)
     {
      m_last_status=status;
      m_last_error="the signal queue is full; the signal was not queued";
      return(false);
     }
   return(Check(status,"mb_signal_push_utf16"));
  }
//+------------------------------------------------------------------+
//| Takes the next signal; false with LastStatus()                   |
//| MB_STATUS_QUEUE_EMPTY when none is queued.                       |
//+------------------------------------------------------------------+
bool CMikrobot::PopSignal(MbSignal &signal,string &symbol)
  {
   ushort buffer[];
   ArrayResize(buffer,MB_SYMBOL_CAPACITY);
   uint needed=0;
   int status=mb_signal_pop_utf16(m_handle,signal,buffer,MB_SYMBOL_CAPACITY,needed);
   if(status==MB_STATUS_QUEUE_EMPTY)
     {
      m_last_status=status;
      return(false);
     }
   if(!Check(status,"mb_signal_pop_utf16"))
      return(false);
   symbol=ShortArrayToString(buffer);
   return(true);
  }
//+------------------------------------------------------------------+
//| Records one latency sample (MB_STAGE_*) in microseconds.         |
//+------------------------------------------------------------------+
bool CMikrobot::RecordLatency(const int stage,const double latency_us,const long server_ms)
  {
   return(Check(mb_latency_record(m_handle,stage,latency_us,server_ms),"mb_latency_record"));
  }
//+------------------------------------------------------------------+
//| Reads a stage's summary, cumulative and over the recent window.  |
//+------------------------------------------------------------------+
bool CMikrobot::LatencySummary(const int stage,const long server_ms,
                               MbLatencySummary &cumulative,MbLatencySummary &window)
  {
   int status=mb_latency_summary(m_handle,stage,server_ms,cumulative,window);
   return(Check(status,"mb_latency_summary"));
  }
//+------------------------------------------------------------------+
//| Takes the next outbox item due on the channels in the mask       |
//| (1<<MB_CHANNEL_*); false when none is due or on failure.         |
//+------------------------------------------------------------------+
bool CMikrobot::PollOutbox(const long server_ms,const uint channels,MbOutboxItem &item)
  {
   int written=0;
   int status=mb_guard_outbox_poll(m_handle,server_ms,channels,item,written);
   return(Note(status,"mb_guard_outbox_poll") && written==1);
  }
//+------------------------------------------------------------------+
//| Reads one text part of an item, growing the buffer when needed.  |
//+------------------------------------------------------------------+
bool CMikrobot::OutboxText(const ulong item_id,const int part,string &text)
  {
   ushort buffer[];
   uint needed=0;
   ArrayResize(buffer,1024);
   int status=mb_guard_outbox_text_utf16(m_handle,item_id,part,buffer,1024,needed);
   if(status==MB_STATUS_BUFFER_TOO_SMALL)
     {
      ArrayResize(buffer,(int)needed);
      status=mb_guard_outbox_text_utf16(m_handle,item_id,part,buffer,needed,needed);
     }
   if(!Note(status,"mb_guard_outbox_text_utf16"))
      return(false);
   text=ShortArrayToString(buffer);
   return(true);
  }
//+------------------------------------------------------------------+
bool CMikrobot::AckOutbox(const ulong item_id,const bool delivered,const long server_ms,
                          int &outcome,long &retry_at_ms)
  {
   int status=mb_guard_outbox_ack(m_handle,item_id,(delivered ? 1 : 0),server_ms,outcome,
                                  retry_at_ms);
   return(Note(status,"mb_guard_outbox_ack"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::AcknowledgeAlert(const ulong alert_id,const string by,const long server_ms)
  {
   int status=mb_guard_alert_acknowledge_utf16(m_handle,alert_id,by,server_ms);
   return(Note(status,"mb_guard_alert_acknowledge_utf16"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::ResolveAlert(const ulong alert_id,const long server_ms)
  {
   return(Note(mb_guard_alert_resolve(m_handle,alert_id,server_ms),"mb_guard_alert_resolve"));
  }
//+------------------------------------------------------------------+
//| Reads the overall health and every check. A value is NaN and its |
//| unknown field names the reason when the metric is unknown.       |
//+------------------------------------------------------------------+
bool CMikrobot::Health(MbHealth &health,MbHealthCheck &checks[])
  {
   uint count=0;
   ArrayResize(checks,MB_CHECK_COUNT);
   int status=mb_guard_health(m_handle,health,checks,MB_CHECK_COUNT,count);
   return(Note(status,"mb_guard_health"));
  }
//+------------------------------------------------------------------+
bool CMikrobot::Vitals(MbVitals &vitals)
  {
   return(Note(mb_guard_vitals(m_handle,vitals),"mb_guard_vitals"));
  }
//+------------------------------------------------------------------+
//| Fills incidents with the open ones; returns the count, or -1.    |
//+------------------------------------------------------------------+
int CMikrobot::Incidents(MbIncident &incidents[])
  {
   uint count=0;
   ArrayResize(incidents,8);
   int status=mb_guard_incidents(m_handle,incidents,8,count);
   if(status==MB_STATUS_BUFFER_TOO_SMALL)
     {
      ArrayResize(incidents,(int)count);
      status=mb_guard_incidents(m_handle,incidents,count,count);
     }
   if(!Note(status,"mb_guard_incidents"))
      return(-1);
   ArrayResize(incidents,(int)count);
   return((int)count);
  }
//+------------------------------------------------------------------+
bool CMikrobot::IncidentSummary(const ulong incident_id,string &summary)
  {
   ushort buffer[];
   uint needed=0;
   ArrayResize(buffer,MB_LAST_ERROR_CAPACITY);
   int status=mb_guard_incident_summary_utf16(m_handle,incident_id,buffer,
                                              MB_LAST_ERROR_CAPACITY,needed);
   //--- a cut summary is still worth showing
   if(status!=MB_STATUS_BUFFER_TOO_SMALL && !Note(status,"mb_guard_incident_summary_utf16"))
      return(false);
   summary=ShortArrayToString(buffer);
   return(true);
  }
//+------------------------------------------------------------------+
bool CMikrobot::IncidentItem(const ulong incident_id,const uint index,int &phase,
                             long &done_ms,string &text)
  {
   ushort buffer[];
   uint needed=0;
   ArrayResize(buffer,MB_LAST_ERROR_CAPACITY);
   int status=mb_guard_incident_item_utf16(m_handle,incident_id,index,phase,done_ms,buffer,
                                           MB_LAST_ERROR_CAPACITY,needed);
   if(status!=MB_STATUS_BUFFER_TOO_SMALL && !Note(status,"mb_guard_incident_item_utf16"))
      return(false);
   text=ShortArrayToString(buffer);
   return(true);
  }
//+------------------------------------------------------------------+
bool CMikrobot::TickIncidentItem(const ulong incident_id,const uint index,const string by,
                                 const long server_ms)
  {
   int status=mb_guard_incident_tick_utf16(m_handle,incident_id,index,by,server_ms);
   return(Note(status,"mb_guard_incident_tick_utf16"));
  }
//+------------------------------------------------------------------+
