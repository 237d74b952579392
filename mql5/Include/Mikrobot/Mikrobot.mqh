//+------------------------------------------------------------------+
//|                                                     Mikrobot.mqh |
//|   mikrobot C ABI for MQL5: the one #import block, the shared     |
//|   structs and the CMikrobot wrapper class.                       |
//+------------------------------------------------------------------+
//--- Every declaration below mirrors include/mikrobot.h; a test compares the two (names, order,
//--- types and sizes). The structs have 8-byte fields first and sizes that are multiples of 8,
//--- so MQL5's packed layout and C's padded layout are the same bytes.
#define MB_ABI_VERSION                 2
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
   return(abi);
  }
//+------------------------------------------------------------------+
//| Stores the status, and the library's message when it failed.     |
//| A failed call leaves the verdict BLOCKED, so an EA never trades  |
//| on a decision older than the call that failed.                   |
//+------------------------------------------------------------------+
bool CMikrobot::Check(const int status,const string call)
  {
   m_last_status=status;
   if(status==MB_STATUS_OK)
      return(true);
   m_decision.verdict=MB_VERDICT_BLOCKED;
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
